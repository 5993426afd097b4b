//! Stock that stays bounded and in step with its ledger, and buyers who cannot hoard it.

use bazaar_tests::catalog::simple;
use bazaar_tests::{Backend, TestApp, User, on_both_backends, problem};
use serde_json::{Value, json};

on_both_backends!(
    stock_has_one_upper_bound_and_the_ledger_always_sums,
    one_buyer_cannot_hold_the_shelf_unpaid,
    racing_checkouts_of_one_buyer_respect_the_order_cap,
    double_tapped_adds_merge_into_one_line,
);

async fn stock_has_one_upper_bound_and_the_ledger_always_sums(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else { return };
    let admin = app.admin().await;
    let (seller, shop) = app.seller(&admin).await;
    let product = app.create_product(&seller, &simple(shop, app.category("Snacks").await, "米", "9.90", 5)).await;
    let sku = product["skus"][0]["id"].as_i64().unwrap();
    let path = format!("/api/v1/seller/skus/{sku}/stock");
    for (body, field) in [
        (json!({ "set": i64::MAX, "reason": "盘点" }), "set"),
        (json!({ "set": 10_000_001, "reason": "盘点" }), "set"),
        (json!({ "adjust": i64::MAX, "reason": "到货" }), "adjust"),
    ] {
        let response = app.patch_as(&seller, &path, &body).await;
        assert_eq!(response.status(), 422, "{body}");
        assert_eq!(problem(response).await["field"], field, "{body}");
    }
    assert_eq!(app.patch_as(&seller, &path, &json!({ "set": 10_000_000, "reason": "盘点" })).await.status(), 200);
    let over = app.patch_as(&seller, &path, &json!({ "adjust": 1, "reason": "到货" })).await;
    assert_eq!(over.status(), 422, "an adjust on top of the ceiling is refused, not silently dropped");
    assert_eq!(problem(over).await["field"], "adjust");
    let created = app.post_as(&seller, "/api/v1/seller/products", &simple(shop, 1, "多", "1.00", 10_000_001)).await;
    assert_eq!(created.status(), 422);

    let view: Value =
        app.get_as(&seller, &format!("/api/v1/seller/products/{}", product["id"])).await.json().await.unwrap();
    let ledger: Value = app.items_as(&seller, &format!("/api/v1/seller/skus/{sku}/ledger")).await;
    let entries = ledger.as_array().or_else(|| ledger["items"].as_array()).expect("ledger entries");
    let sum: i64 = entries.iter().map(|entry| entry["delta"].as_i64().unwrap()).sum();
    assert_eq!(view["skus"][0]["stock"], 10_000_000);
    assert_eq!(sum, 10_000_000, "the ledger sums to the stock");
}

async fn place(app: &TestApp, buyer: &User, key: &str, sku: i64, quantity: i32) -> reqwest::Response {
    app.try_order(buyer, Some(key), json!([{ "sku_id": sku, "quantity": quantity }])).await
}

async fn one_buyer_cannot_hold_the_shelf_unpaid(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else { return };
    let admin = app.admin().await;
    let (seller, shop) = app.seller(&admin).await;
    let product = app.publish_product(&seller, &simple(shop, app.category("Snacks").await, "茶", "2.00", 1000)).await;
    let sku = product["skus"][0]["id"].as_i64().unwrap();
    let hoarder = app.register().await;
    // The reported attack: orders of 99 units, again and again.
    let mut placed = 0;
    let mut refusal = Value::Null;
    for n in 0..12 {
        let response = place(&app, &hoarder, &format!("hoard-{n}"), sku, 99).await;
        if response.status() == 201 {
            placed += 1;
        } else {
            assert_eq!(response.status(), 409);
            refusal = problem(response).await;
            break;
        }
    }
    assert_eq!(placed, 2, "200 units may wait for payment by default: two orders of 99");
    assert_eq!(refusal["code"], "too_many_reserved_units");
    let view: Value =
        app.get_as(&seller, &format!("/api/v1/seller/products/{}", product["id"])).await.json().await.unwrap();
    assert_eq!(view["skus"][0]["stock"], 1000 - 198);
    // Another buyer still gets served.
    let other = app.register().await;
    assert_eq!(place(&app, &other, "other-1", sku, 5).await.status(), 201);
}

async fn racing_checkouts_of_one_buyer_respect_the_order_cap(backend: Backend) {
    let Some(app) = TestApp::spawn_with(backend, |c| c.crates.checkout.max_unpaid_orders_per_buyer = 3).await else {
        return;
    };
    let admin = app.admin().await;
    let (seller, shop) = app.seller(&admin).await;
    let product = app.publish_product(&seller, &simple(shop, app.category("Snacks").await, "糖", "1.00", 100)).await;
    let sku = product["skus"][0]["id"].as_i64().unwrap();
    let buyer = app.register().await;
    let app = std::sync::Arc::new(app);
    let attempts: Vec<_> = (0..12)
        .map(|n| {
            let (app, buyer) = (app.clone(), buyer.clone());
            tokio::spawn(async move { place(&app, &buyer, &format!("race-{n}"), sku, 1).await.status().as_u16() })
        })
        .collect();
    let mut statuses = Vec::new();
    for attempt in attempts {
        statuses.push(attempt.await.unwrap());
    }
    assert_eq!(statuses.iter().filter(|status| **status == 201).count(), 3, "{statuses:?}");
    assert!(statuses.iter().all(|status| matches!(status, 201 | 409)), "{statuses:?}");
}

async fn double_tapped_adds_merge_into_one_line(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else { return };
    let admin = app.admin().await;
    let (seller, shop) = app.seller(&admin).await;
    let product = app.publish_product(&seller, &simple(shop, app.category("Snacks").await, "饺子", "3.00", 100)).await;
    let sku = product["skus"][0]["id"].as_i64().unwrap();
    let buyer = app.register().await;
    let app = std::sync::Arc::new(app);
    let adds: Vec<_> = (0..16)
        .map(|_| {
            let (app, buyer) = (app.clone(), buyer.clone());
            tokio::spawn(async move {
                app.post_as(&buyer, "/api/v1/cart/items", &json!({ "sku_id": sku, "quantity": 2 }))
                    .await
                    .status()
                    .as_u16()
            })
        })
        .collect();
    for add in adds {
        assert_eq!(add.await.unwrap(), 200, "no add of a racing pair fails");
    }
    let cart: Value = app.get_as(&buyer, "/api/v1/cart").await.json().await.unwrap();
    let lines: Vec<&Value> =
        cart["shops"].as_array().unwrap().iter().flat_map(|s| s["lines"].as_array().unwrap()).collect();
    assert_eq!(lines.len(), 1, "one line: {cart}");
    assert_eq!(lines[0]["quantity"], 32, "every add counted once");
}
