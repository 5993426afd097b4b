//! Placing orders over real HTTP: never oversell under contention, all lines or none, idempotent
//! retries, one order per shop with snapshots of prices and the address.

use bazaar_tests::catalog::simple;
use bazaar_tests::{Backend, TestApp, User, on_both_backends, problem};
use serde_json::{Value, json};

on_both_backends!(
    two_hundred_buyers_fifty_in_stock_exactly_fifty_orders,
    an_order_with_one_short_line_reserves_nothing,
    retries_with_the_same_key_never_buy_twice,
    a_checkout_becomes_one_order_per_shop_with_snapshots,
    one_key_replayed_concurrently_places_once,
);

async fn buyer_with_address(app: &TestApp) -> (User, i64) {
    let buyer = app.register().await;
    let address: Value = app
        .post_as(
            &buyer,
            "/api/v1/me/addresses",
            &json!({ "recipient": "王五", "phone": buyer.phone, "province": "浙江省",
                 "city": "杭州市", "district": "西湖区", "detail": "文三路 1 号" }),
        )
        .await
        .json()
        .await
        .unwrap();
    (buyer, address["id"].as_i64().unwrap())
}

async fn order(app: &TestApp, buyer: &User, key: &str, body: &Value) -> reqwest::Response {
    app.client
        .post(app.url("/api/v1/orders"))
        .bearer_auth(&buyer.access_token)
        .header("idempotency-key", key)
        .json(body)
        .send()
        .await
        .unwrap()
}

async fn stock_of(app: &TestApp, seller: &User, product: &Value) -> i64 {
    let view: Value =
        app.get_as(seller, &format!("/api/v1/seller/products/{}", product["id"])).await.json().await.unwrap();
    view["skus"][0]["stock"].as_i64().unwrap()
}

async fn two_hundred_buyers_fifty_in_stock_exactly_fifty_orders(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else { return };
    let admin = app.admin().await;
    let (seller, shop) = app.seller(&admin).await;
    let product =
        app.publish_product(&seller, &simple(shop, app.category("Snacks").await, "限量月饼", "88.00", 50)).await;
    let sku = product["skus"][0]["id"].as_i64().unwrap();
    let mut buyers = Vec::new();
    for _ in 0..200 {
        buyers.push(buyer_with_address(&app).await);
    }
    let app = std::sync::Arc::new(app);
    let attempts: Vec<_> = buyers
        .into_iter()
        .enumerate()
        .map(|(n, (buyer, address))| {
            let app = app.clone();
            tokio::spawn(async move {
                let body = json!({ "address_id": address, "items": [{ "sku_id": sku, "quantity": 1 }] });
                let response = order(&app, &buyer, &format!("rush-{n}"), &body).await;
                let status = response.status().as_u16();
                let body: Value = response.json().await.unwrap();
                (status, body)
            })
        })
        .collect();
    let (mut placed, mut refused) = (0, 0);
    for attempt in attempts {
        let (status, body) = attempt.await.unwrap();
        match status {
            201 => placed += 1,
            409 => {
                assert_eq!(body["code"], "out_of_stock", "{body}");
                assert_eq!(body["sku_id"], sku);
                refused += 1;
            }
            other => panic!("unexpected {other}: {body}"),
        }
    }
    assert_eq!((placed, refused), (50, 150));
    assert_eq!(stock_of(&app, &seller, &product).await, 0);
    let ledger: Value = app.items_as(&seller, &format!("/api/v1/seller/skus/{sku}/ledger")).await;
    let entries = ledger.as_array().unwrap();
    assert_eq!(entries.iter().map(|e| e["delta"].as_i64().unwrap()).sum::<i64>(), 0, "the ledger adds up to the stock");
    assert_eq!(entries.iter().filter(|e| e["reason"] == "reservation").count(), 50);
    assert!(entries.iter().all(|e| e["stock_after"].as_i64().unwrap() >= 0));
}

async fn an_order_with_one_short_line_reserves_nothing(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else { return };
    let admin = app.admin().await;
    let (seller, shop) = app.seller(&admin).await;
    let snacks = app.category("Snacks").await;
    let plenty = app.publish_product(&seller, &simple(shop, snacks, "充足", "5.00", 10)).await;
    let scarce = app.publish_product(&seller, &simple(shop, snacks, "稀缺", "5.00", 1)).await;
    let (buyer, address) = buyer_with_address(&app).await;
    let body = json!({ "address_id": address, "items": [
        { "sku_id": plenty["skus"][0]["id"], "quantity": 2 }, { "sku_id": scarce["skus"][0]["id"], "quantity": 2 } ] });
    let response = order(&app, &buyer, "short-1", &body).await;
    let problem = problem(response).await;
    assert_eq!(
        (problem["code"].as_str(), problem["sku_id"].as_i64()),
        (Some("out_of_stock"), scarce["skus"][0]["id"].as_i64())
    );
    assert_eq!(stock_of(&app, &seller, &plenty).await, 10, "nothing of the order was reserved");
    let orders: Value = app.get_as(&buyer, "/api/v1/orders").await.json().await.unwrap();
    assert_eq!(orders["items"], json!([]));
}

async fn retries_with_the_same_key_never_buy_twice(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else { return };
    let admin = app.admin().await;
    let (seller, shop) = app.seller(&admin).await;
    let product = app.publish_product(&seller, &simple(shop, app.category("Snacks").await, "茶叶蛋", "2.00", 10)).await;
    let (buyer, address) = buyer_with_address(&app).await;
    let body = json!({ "address_id": address, "items": [{ "sku_id": product["skus"][0]["id"], "quantity": 3 }] });
    let first = order(&app, &buyer, "retry-me", &body).await;
    assert_eq!(first.status(), 201);
    let first: Value = first.json().await.unwrap();
    let again = order(&app, &buyer, "retry-me", &body).await;
    assert_eq!(again.status(), 200, "a retry replays");
    assert_eq!(again.json::<Value>().await.unwrap(), first);
    assert_eq!(stock_of(&app, &seller, &product).await, 7, "bought once");

    let different = json!({ "address_id": address, "items": [{ "sku_id": product["skus"][0]["id"], "quantity": 1 }] });
    let reused = order(&app, &buyer, "retry-me", &different).await;
    assert_eq!(problem(reused).await["code"], "idempotency_key_reused");
    let no_key = app.post_as(&buyer, "/api/v1/orders", &body).await;
    assert_eq!(problem(no_key).await["code"], "idempotency_key_required");
    // Keys are per buyer: another buyer may use the same string.
    let (other, other_address) = buyer_with_address(&app).await;
    let theirs =
        json!({ "address_id": other_address, "items": [{ "sku_id": product["skus"][0]["id"], "quantity": 1 }] });
    assert_eq!(order(&app, &other, "retry-me", &theirs).await.status(), 201);
    assert_eq!(
        problem(order(&app, &other, "k2", &json!({ "address_id": address })).await).await["field"],
        "address_id",
        "someone else's address"
    );
}

async fn a_checkout_becomes_one_order_per_shop_with_snapshots(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else { return };
    let admin = app.admin().await;
    let (tea_seller, tea_shop) = app.seller(&admin).await;
    let (snack_seller, snack_shop) = app.seller(&admin).await;
    let tea = app
        .publish_product(&tea_seller, &simple(tea_shop, app.category("Tea & Drinks").await, "白茶", "120.00", 5))
        .await;
    let nuts =
        app.publish_product(&snack_seller, &simple(snack_shop, app.category("Snacks").await, "杏仁", "30.00", 5)).await;
    let (buyer, address) = buyer_with_address(&app).await;
    for (sku, quantity) in [(tea["skus"][0]["id"].clone(), 1), (nuts["skus"][0]["id"].clone(), 2)] {
        app.post_as(&buyer, "/api/v1/cart/items", &json!({ "sku_id": sku, "quantity": quantity })).await;
    }
    // The tea shop has its own rule: 8.00, free only from 500.00.
    let rule = json!({ "shipping_fee": "8.00", "free_shipping_from": "500.00" });
    let page: Value =
        app.patch_as(&tea_seller, &format!("/api/v1/shops/{tea_shop}"), &rule).await.json().await.unwrap();
    assert_eq!((page["shipping_fee"].as_str(), page["free_shipping_from"].as_str()), (Some("8.00"), Some("500.00")));
    let negative =
        app.patch_as(&tea_seller, &format!("/api/v1/shops/{tea_shop}"), &json!({ "shipping_fee": "-1.00" })).await;
    assert_eq!(problem(negative).await["field"], "shipping_fee");
    let preview: Value = app.post_as(&buyer, "/api/v1/checkout/preview", &json!({})).await.json().await.unwrap();
    assert_eq!(preview["shops"].as_array().unwrap().len(), 2);
    assert_eq!(preview["total"], "198.00");
    assert!(preview["shops"].as_array().unwrap().iter().all(|s| s["adjustments"] == json!([])));
    assert_eq!(preview["shops"][0]["lines"][0]["in_stock"], true);
    let placed = order(&app, &buyer, "cart-1", &json!({ "address_id": address })).await;
    assert_eq!(placed.status(), 201);
    let placed: Value = placed.json().await.unwrap();
    let orders = placed["orders"].as_array().unwrap();
    assert_eq!(orders.len(), 2, "one order per shop");
    let tea_order = orders.iter().find(|o| o["shop_id"] == tea_shop).unwrap();
    let nut_order = orders.iter().find(|o| o["shop_id"] == snack_shop).unwrap();
    assert_eq!(
        (tea_order["shipping_fee"].as_str(), tea_order["total"].as_str()),
        (Some("8.00"), Some("128.00")),
        "the tea shop's own rule"
    );
    assert_eq!(
        (nut_order["shipping_fee"].as_str(), nut_order["total"].as_str()),
        (Some("10.00"), Some("70.00")),
        "the default rule"
    );
    assert_eq!(placed["total"], preview["total"], "placing charges what the preview said");
    assert_eq!(tea_order["status"], "pending_payment");
    assert_eq!(tea_order["address"]["detail"], "文三路 1 号");
    let cart: Value = app.get_as(&buyer, "/api/v1/cart").await.json().await.unwrap();
    assert_eq!(cart["shops"], json!([]), "ordered lines leave the cart");

    // Later changes to the price and the address do not touch the order.
    let mut repriced = simple(snack_shop, 0, "杏仁", "45.00", 5);
    repriced.as_object_mut().unwrap().retain(|k, _| k == "skus");
    app.patch_as(&snack_seller, &format!("/api/v1/seller/products/{}", nuts["id"]), &repriced).await;
    app.patch_as(&buyer, &format!("/api/v1/me/addresses/{address}"), &json!({ "detail": "搬家了" })).await;
    let stored: Value = app.get_as(&buyer, &format!("/api/v1/orders/{}", nut_order["id"])).await.json().await.unwrap();
    assert_eq!(
        (stored["items"][0]["unit_price"].as_str(), stored["address"]["detail"].as_str()),
        (Some("30.00"), Some("文三路 1 号"))
    );
    let list: Value = app.get_as(&buyer, "/api/v1/orders").await.json().await.unwrap();
    assert_eq!(list["items"].as_array().unwrap().len(), 2);
    let stranger = app.register().await;
    assert_eq!(app.get_as(&stranger, &format!("/api/v1/orders/{}", nut_order["id"])).await.status(), 404);
    let page: Value = app.get(&format!("/api/v1/products/{}", nuts["id"])).await.json().await.unwrap();
    assert_eq!(page["total_stock"], 3, "the product page shows the reserved stock at once");
}

async fn one_key_replayed_concurrently_places_once(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else { return };
    let admin = app.admin().await;
    let (seller, shop) = app.seller(&admin).await;
    let product = app.publish_product(&seller, &simple(shop, app.category("Snacks").await, "粽子", "15.00", 100)).await;
    let (buyer, address) = buyer_with_address(&app).await;
    let body = json!({ "address_id": address, "items": [{ "sku_id": product["skus"][0]["id"], "quantity": 2 }] });
    let app = std::sync::Arc::new(app);
    let replays: Vec<_> = (0..20)
        .map(|_| {
            let (app, buyer, body) = (app.clone(), buyer.clone(), body.clone());
            tokio::spawn(async move {
                let response = order(&app, &buyer, "double-tap", &body).await;
                (response.status().as_u16(), response.json::<Value>().await.unwrap())
            })
        })
        .collect();
    let mut created = 0;
    let mut checkouts = std::collections::BTreeSet::new();
    for replay in replays {
        let (status, result) = replay.await.unwrap();
        assert!(status == 200 || status == 201, "{status}: {result}");
        created += usize::from(status == 201);
        checkouts.insert(result["checkout_id"].as_i64().unwrap());
    }
    assert_eq!((created, checkouts.len()), (1, 1), "one order, the same answer twenty times");
    let orders: Value = app.get_as(&buyer, "/api/v1/orders").await.json().await.unwrap();
    assert_eq!(orders["items"].as_array().unwrap().len(), 1);
    assert_eq!(stock_of(&app, &seller, &product).await, 98);
}
