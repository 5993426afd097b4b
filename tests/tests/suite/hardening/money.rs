//! Checkout arithmetic is exact or refused; a shop that cancels a paid order refunds it.

use bazaar_tests::catalog::simple;
use bazaar_tests::{Backend, TestApp, User, on_both_backends, problem};
use serde_json::{Value, json};

on_both_backends!(
    the_reported_wrapping_cart_is_refused_and_reserves_nothing,
    prices_and_fees_above_their_ceilings_are_refused,
    exponent_amounts_are_refused,
    a_shop_cancelling_a_paid_order_refunds_it_in_full,
    a_suspended_shop_takes_no_counter_payments,
);

async fn stock_of(app: &TestApp, seller: &User, product: &Value) -> i64 {
    let view: Value =
        app.get_as(seller, &format!("/api/v1/seller/products/{}", product["id"])).await.json().await.unwrap();
    view["skus"][0]["stock"].as_i64().unwrap()
}

async fn the_reported_wrapping_cart_is_refused_and_reserves_nothing(backend: Backend) {
    // The ceilings as high as configuration allows, so only checked arithmetic stands between a
    // huge price and a wrapped total.
    let Some(app) = TestApp::spawn_with(backend, |c| {
        c.crates.checkout.max_price_yuan = 1_000_000_000_000_000;
        c.crates.checkout.max_line_total_yuan = 1_000_000_000_000_000;
        c.crates.checkout.max_order_total_yuan = 1_000_000_000_000_000;
    })
    .await
    else {
        return;
    };
    let admin = app.admin().await;
    let (seller_a, shop_a) = app.seller(&admin).await;
    let (seller_b, shop_b) = app.seller(&admin).await;
    let category = app.category("Snacks").await;
    let phone = app.publish_product(&seller_a, &simple(shop_a, category, "手机", "5990.00", 10)).await;
    let huge = app.publish_product(&seller_b, &simple(shop_b, category, "天价", "999999999999999.99", 100)).await;
    let buyer = app.register().await;
    let items = json!([{ "sku_id": phone["skus"][0]["id"], "quantity": 1 },
                       { "sku_id": huge["skus"][0]["id"], "quantity": 99 }]);
    let preview = app.post_as(&buyer, "/api/v1/checkout/preview", &json!({ "items": items })).await;
    assert_eq!(preview.status(), 409);
    assert_eq!(problem(preview).await["code"], "amount_too_large");
    let placed = app.try_order(&buyer, Some("wrap-1"), items).await;
    assert_eq!(placed.status(), 409);
    assert_eq!(problem(placed).await["code"], "amount_too_large");
    assert_eq!(stock_of(&app, &seller_a, &phone).await, 10, "nothing reserved");
    assert_eq!(stock_of(&app, &seller_b, &huge).await, 100, "nothing reserved");
    let orders: Value = app.get_as(&buyer, "/api/v1/orders").await.json().await.unwrap();
    assert_eq!(orders["items"], json!([]), "no order was written");
}

async fn prices_and_fees_above_their_ceilings_are_refused(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else { return };
    let admin = app.admin().await;
    let (seller, shop) = app.seller(&admin).await;
    let category = app.category("Snacks").await;
    for price in ["92233720368544758.09", "1000000.01"] {
        let response = app.post_as(&seller, "/api/v1/seller/products", &simple(shop, category, "贵", price, 1)).await;
        assert_eq!(response.status(), 422, "{price}");
        assert_eq!(problem(response).await["field"], "skus[0].price", "{price}");
    }
    // At the ceiling a price is fine, but two of it are more than a line may be.
    let dear = app.publish_product(&seller, &simple(shop, category, "金条", "1000000.00", 5)).await;
    let buyer = app.register().await;
    let placed =
        app.try_order(&buyer, Some("line-1"), json!([{ "sku_id": dear["skus"][0]["id"], "quantity": 2 }])).await;
    assert_eq!(placed.status(), 409);
    assert_eq!(problem(placed).await["code"], "amount_too_large");
    let one = app.try_order(&buyer, Some("line-2"), json!([{ "sku_id": dear["skus"][0]["id"], "quantity": 1 }])).await;
    assert_eq!(one.status(), 201);

    let fee = app.patch_as(&seller, &format!("/api/v1/shops/{shop}"), &json!({ "shipping_fee": "10000.01" })).await;
    assert_eq!(fee.status(), 422);
    assert_eq!(problem(fee).await["field"], "shipping_fee");
}

async fn exponent_amounts_are_refused(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else { return };
    let admin = app.admin().await;
    let (seller, shop) = app.seller(&admin).await;
    let category = app.category("Snacks").await;
    for price in ["1e2", "1E2", "+5.00", " 5.00"] {
        let response = app.post_as(&seller, "/api/v1/seller/products", &simple(shop, category, "指数", price, 1)).await;
        assert_eq!(response.status(), 422, "{price}");
        let body = problem(response).await;
        assert!(body["field"].as_str().unwrap_or_default().starts_with("skus[0].price"), "{price}: {body}");
    }
    let search = app.get("/api/v1/search?q=x&price_max=1e2").await;
    assert_eq!(search.status(), 422);
}

async fn a_shop_cancelling_a_paid_order_refunds_it_in_full(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else { return };
    let admin = app.admin().await;
    let (seller, shop) = app.seller(&admin).await;
    let product = app.publish_product(&seller, &simple(shop, app.category("Snacks").await, "月饼", "30.00", 10)).await;
    let buyer = app.register().await;
    let checkout = app.place_checkout(&buyer, &[(&product["skus"][0]["id"], 2)]).await;
    let order_id = checkout["orders"][0]["id"].as_i64().unwrap();
    let payment = app.create_payment(&buyer, checkout["checkout_id"].as_i64().unwrap(), "alipay", "app").await;
    let (status, _) = app.wallet(&payment, json!({})).await;
    assert_eq!(status, 200);
    app.payment_when(&buyer, &payment["id"], "paid").await;
    assert_eq!(stock_of(&app, &seller, &product).await, 8);

    let cancel = app
        .post_as(
            &seller,
            &format!("/api/v1/seller/orders/{order_id}/cancel"),
            &json!({ "reason": "缺货 out of stock" }),
        )
        .await;
    assert_eq!(cancel.status(), 204);
    assert_eq!(app.order(&buyer, order_id).await["status"], "refunded");
    assert_eq!(stock_of(&app, &seller, &product).await, 10, "the goods never left: back on the shelf");
    // The money goes back through the provider, in full, once.
    let mut refunds = Vec::new();
    for _ in 0..300 {
        let seen: Value =
            app.get_as(&buyer, &format!("/api/v1/payments/{}", payment["id"])).await.json().await.unwrap();
        refunds = seen["refunds"].as_array().cloned().unwrap_or_default();
        if refunds.iter().any(|refund| refund["status"] == "succeeded") {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!(refunds.len(), 1, "{refunds:?}");
    let paid = checkout["orders"][0]["total"].as_str();
    assert_eq!((refunds[0]["amount"].as_str(), refunds[0]["status"].as_str()), (paid, Some("succeeded")));
    let requests: Value = app.items_as(&seller, &format!("/api/v1/seller/refund-requests?shop_id={shop}")).await;
    assert_eq!(requests[0]["order_id"], order_id);
    assert_eq!(requests[0]["status"], "refunded");
    // Cancelling again changes nothing and refunds nothing more.
    let again =
        app.post_as(&seller, &format!("/api/v1/seller/orders/{order_id}/cancel"), &json!({ "reason": "再次" })).await;
    assert_eq!(again.status(), 409);
}

async fn a_suspended_shop_takes_no_counter_payments(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else { return };
    let admin = app.admin().await;
    let (seller, shop) = app.seller(&admin).await;
    let buyer = app.register().await;
    let path = format!("/api/v1/seller/shops/{shop}/in-store-payments");
    let before: Value = app.post_as(&seller, &path, &json!({ "amount": "38.50" })).await.json().await.unwrap();
    let suspended = app.post_as(&admin, &format!("/api/v1/admin/shops/{shop}/suspend"), &json!({})).await;
    assert_eq!(suspended.status(), 200);

    let create = app.post_as(&seller, &path, &json!({ "amount": "12.00" })).await;
    assert_eq!(create.status(), 409);
    assert_eq!(problem(create).await["code"], "shop_unavailable");
    let pay = app
        .post_as(
            &buyer,
            &format!("/api/v1/in-store/{}/pay", before["code"].as_str().unwrap()),
            &json!({ "provider": "alipay", "channel": "qr" }),
        )
        .await;
    assert_eq!(pay.status(), 409);
    assert_eq!(problem(pay).await["code"], "shop_unavailable");
}
