//! The cart over real HTTP: lines grouped by shop, merged quantities, limits, live prices, and
//! flags for changed prices, short stock and products that can no longer be bought.

use bazaar_tests::catalog::simple;
use bazaar_tests::{Backend, TestApp, on_both_backends, problem};
use serde_json::{Value, json};

on_both_backends!(carts_group_by_shop_and_flag_changes, cart_input_is_checked_and_private);

fn line(cart: &Value, sku: i64) -> &Value {
    cart["shops"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|s| s["lines"].as_array().unwrap())
        .find(|l| l["sku_id"] == sku)
        .unwrap()
}

async fn carts_group_by_shop_and_flag_changes(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else { return };
    let admin = app.admin().await;
    let (tea_seller, tea_shop) = app.seller(&admin).await;
    let (snack_seller, snack_shop) = app.seller(&admin).await;
    let snacks = app.category("Snacks").await;
    let tea = app
        .publish_product(&tea_seller, &simple(tea_shop, app.category("Tea & Drinks").await, "龙井", "128.00", 5))
        .await;
    let nuts = app.publish_product(&snack_seller, &simple(snack_shop, snacks, "坚果", "25.50", 10)).await;
    let chips = app.publish_product(&snack_seller, &simple(snack_shop, snacks, "薯片", "6.00", 10)).await;
    let (tea_sku, nuts_sku, chips_sku) = (
        tea["skus"][0]["id"].as_i64().unwrap(),
        nuts["skus"][0]["id"].as_i64().unwrap(),
        chips["skus"][0]["id"].as_i64().unwrap(),
    );
    let buyer = app.register().await;
    for (sku, quantity) in [(tea_sku, 1), (nuts_sku, 2), (chips_sku, 3), (nuts_sku, 1)] {
        assert_eq!(
            app.post_as(&buyer, "/api/v1/cart/items", &json!({ "sku_id": sku, "quantity": quantity })).await.status(),
            200
        );
    }
    let cart: Value = app.get_as(&buyer, "/api/v1/cart").await.json().await.unwrap();
    assert_eq!(cart["shops"].as_array().unwrap().len(), 2, "one group per shop");
    assert_eq!(line(&cart, nuts_sku)["quantity"], 3, "adding the same SKU again merges the line");
    assert_eq!(cart["total_quantity"], 7);
    assert_eq!(cart["total"], "222.50", "128.00 + 3 × 25.50 + 3 × 6.00");
    let snack_group = cart["shops"].as_array().unwrap().iter().find(|s| s["shop_id"] == snack_shop).unwrap();
    assert_eq!(snack_group["subtotal"], "94.50");

    // The seller raises a price, stock runs short, a product is delisted: flagged, not dropped.
    let mut repriced = simple(snack_shop, snacks, "坚果", "27.00", 10);
    repriced.as_object_mut().unwrap().retain(|k, _| k == "skus");
    assert_eq!(
        app.patch_as(&snack_seller, &format!("/api/v1/seller/products/{}", nuts["id"]), &repriced).await.status(),
        200
    );
    app.patch_as(&tea_seller, &format!("/api/v1/seller/skus/{tea_sku}/stock"), &json!({ "set": 0, "reason": "售罄" }))
        .await;
    app.post_as(&snack_seller, &format!("/api/v1/seller/products/{}/unpublish", chips["id"]), &json!({})).await;
    let cart: Value = app.get_as(&buyer, "/api/v1/cart").await.json().await.unwrap();
    let nuts_line = line(&cart, nuts_sku);
    assert_eq!(
        (
            nuts_line["price_changed"].as_bool(),
            nuts_line["unit_price"].as_str(),
            nuts_line["price_when_added"].as_str()
        ),
        (Some(true), Some("27.00"), Some("25.50"))
    );
    assert_eq!(
        (line(&cart, tea_sku)["stock_short"].as_bool(), line(&cart, tea_sku)["stock"].as_i64()),
        (Some(true), Some(0))
    );
    assert_eq!(line(&cart, chips_sku)["unavailable"], true);
    assert_eq!(cart["total"], "81.00", "only lines that can be bought count: 3 × 27.00");
    let again = app.post_as(&buyer, "/api/v1/cart/items", &json!({ "sku_id": chips_sku, "quantity": 1 })).await;
    assert_eq!(problem(again).await["code"], "sku_unavailable");

    let chips_line = line(&cart, chips_sku)["id"].as_i64().unwrap();
    let cart: Value = app.delete_as(&buyer, &format!("/api/v1/cart/items/{chips_line}")).await.json().await.unwrap();
    assert_eq!(cart["total_quantity"], 4);
    let nuts_line = line(&cart, nuts_sku)["id"].as_i64().unwrap();
    let cart: Value = app
        .patch_as(&buyer, &format!("/api/v1/cart/items/{nuts_line}"), &json!({ "quantity": 1 }))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(line(&cart, nuts_sku)["line_total"], "27.00");
}

async fn cart_input_is_checked_and_private(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else { return };
    let admin = app.admin().await;
    let (seller, shop) = app.seller(&admin).await;
    let product = app.publish_product(&seller, &simple(shop, app.category("Snacks").await, "饼干", "3.00", 500)).await;
    let sku = product["skus"][0]["id"].as_i64().unwrap();
    let buyer = app.register().await;
    for (body, field) in [
        (json!({ "sku_id": sku, "quantity": 0 }), "quantity"),
        (json!({ "sku_id": sku, "quantity": 100 }), "quantity"),
        (json!({ "sku_id": sku }), "quantity"),
    ] {
        let response = app.post_as(&buyer, "/api/v1/cart/items", &body).await;
        assert_eq!(response.status(), 422, "{body}");
        assert_eq!(problem(response).await["field"], field);
    }
    assert_eq!(
        app.post_as(&buyer, "/api/v1/cart/items", &json!({ "sku_id": 999999, "quantity": 1 })).await.status(),
        404
    );
    app.post_as(&buyer, "/api/v1/cart/items", &json!({ "sku_id": sku, "quantity": 98 })).await;
    let over = app.post_as(&buyer, "/api/v1/cart/items", &json!({ "sku_id": sku, "quantity": 2 })).await;
    assert_eq!(problem(over).await["field"], "quantity", "a merged line is held to the same limit");

    let cart: Value = app.get_as(&buyer, "/api/v1/cart").await.json().await.unwrap();
    let item = line(&cart, sku)["id"].as_i64().unwrap();
    let other = app.register().await;
    assert_eq!(
        app.patch_as(&other, &format!("/api/v1/cart/items/{item}"), &json!({ "quantity": 1 })).await.status(),
        404
    );
    assert_eq!(app.delete_as(&other, &format!("/api/v1/cart/items/{item}")).await.status(), 404);
    let theirs: Value = app.get_as(&other, "/api/v1/cart").await.json().await.unwrap();
    assert_eq!(theirs["shops"], json!([]));
    assert_eq!(app.get("/api/v1/cart").await.status(), 401);
}
