//! Platform coupons as administrators offer them and buyers spend them: one coupon over a
//! checkout of several shops, split across the shops' orders in proportion to value and funded by
//! the platform; held while any of those orders is alive and given back only when all are gone;
//! spent and counted once; stacked on shop discounts only when both sides combine, with the better
//! plan for the buyer taken.

use bazaar_tests::catalog::simple;
use bazaar_tests::promotions::{row, with_fields};
use bazaar_tests::{Backend, TestApp, User, on_both_backends, problem};
use serde_json::{Value, json};

on_both_backends!(
    a_platform_coupon_is_split_across_the_shops_orders_and_funded_by_the_platform,
    a_shared_coupon_comes_back_only_when_every_order_holding_it_is_cancelled,
    platform_and_shop_coupons_stack_only_when_both_combine,
    only_administrators_offer_platform_coupons_and_bad_ones_are_refused,
);

/// A shop with one product at `price`; the SKU id.
async fn shop_selling(app: &TestApp, admin: &User, price: &str) -> (User, i64, Value) {
    let (seller, shop) = app.seller(admin).await;
    let product = app.publish_product(&seller, &simple(shop, app.category("Snacks").await, "麻花", price, 500)).await;
    (seller, shop, product["skus"][0]["id"].clone())
}

fn template(fields: Value) -> Value {
    let now = chrono::Utc::now();
    with_fields(
        json!({
            "name": "平台满100减30", "kind": "fixed", "amount_off": "30.00", "min_spend": "100.00", "scope": "shop",
            "claim_starts_at": now - chrono::Duration::minutes(1), "claim_ends_at": now + chrono::Duration::days(7),
            "valid_days": 7, "total_quantity": 1000, "visibility": "public",
        }),
        fields,
    )
}

async fn platform_coupon(app: &TestApp, admin: &User, fields: Value) -> Value {
    let answer = app.post_as(admin, "/api/v1/admin/coupons", &template(fields)).await;
    let status = answer.status();
    let body: Value = answer.json().await.expect("template");
    assert_eq!(status, 201, "{body}");
    body
}

async fn claim(app: &TestApp, buyer: &User, template: &Value) -> Value {
    let answer = app.post_as(buyer, &format!("/api/v1/coupons/{}/claim", template["id"]), &json!({})).await;
    let status = answer.status();
    let body: Value = answer.json().await.expect("claim");
    assert_eq!(status, 201, "{body}");
    body["id"].clone()
}

async fn preview(app: &TestApp, buyer: &User, body: Value) -> Value {
    let answer = app.post_as(buyer, "/api/v1/checkout/preview", &body).await;
    let status = answer.status();
    let body: Value = answer.json().await.expect("preview");
    assert_eq!(status, 200, "{body}");
    body
}

fn items(lines: &[(&Value, i32)]) -> Value {
    json!({ "items": lines.iter().map(|(sku, quantity)| json!({ "sku_id": sku, "quantity": quantity })).collect::<Vec<_>>() })
}

/// (kind, amount, funder) of each adjustment of a shop order.
fn adjustments(order: &Value) -> Vec<Vec<String>> {
    bazaar_tests::promotions::adjustments(order, &["kind", "amount", "funder"])
}

fn adjustment(kind: &str, amount: &str, funder: &str) -> Vec<String> {
    row(&[kind, amount, funder])
}

async fn usable(app: &TestApp, buyer: &User) -> Vec<Value> {
    let wallet = app.items_as(buyer, "/api/v1/me/coupons?status=usable").await;
    wallet.as_array().expect("wallet").iter().map(|coupon| coupon["id"].clone()).collect()
}

async fn a_platform_coupon_is_split_across_the_shops_orders_and_funded_by_the_platform(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else { return };
    let admin = app.admin().await;
    let (_, _, sixty) = shop_selling(&app, &admin, "60.00").await;
    let (_, _, ninety) = shop_selling(&app, &admin, "90.00").await;
    let offered = platform_coupon(&app, &admin, json!({})).await;
    assert!(offered["shop_id"].is_null(), "{offered}");
    let listed = app.get("/api/v1/coupons").await.json::<Value>().await.expect("list");
    assert_eq!(listed["items"][0]["id"], offered["id"], "{listed}");
    let buyer = app.register().await;
    let coupon = claim(&app, &buyer, &offered).await;

    // 60.00 alone does not reach 100.00; with 90.00 from another shop it does.
    let alone = preview(&app, &buyer, items(&[(&sixty, 1)])).await;
    assert!(adjustments(&alone["shops"][0]).is_empty(), "{alone}");
    let without =
        preview(&app, &buyer, json!({ "items": items(&[(&sixty, 1), (&ninety, 1)])["items"], "coupon_ids": [] })).await;
    let both = preview(&app, &buyer, items(&[(&sixty, 1), (&ninety, 1)])).await;
    let shops = both["shops"].as_array().expect("shops");
    // 30.00 in proportion: 12.00 of 60.00 and 18.00 of 90.00.
    let split: Vec<_> = shops.iter().map(adjustments).collect();
    assert_eq!(
        split,
        [vec![adjustment("coupon", "-12.00", "platform")], vec![adjustment("coupon", "-18.00", "platform")]]
    );
    assert!(shops.iter().all(|shop| shop["adjustments"][0]["coupon_id"] == coupon), "{both}");
    let total = |quote: &Value| quote["total"].as_str().and_then(|t| t.parse::<f64>().ok()).expect("total");
    assert!((total(&without) - total(&both) - 30.0).abs() < 1e-9, "{without} {both}");

    // Placed, both orders carry their share; paid, the coupon is spent and counted once, with all of it.
    let checkout = app.place_checkout(&buyer, &[(&sixty, 1), (&ninety, 1)]).await;
    let orders = checkout["orders"].as_array().expect("orders").clone();
    assert_eq!(orders.iter().map(adjustments).collect::<Vec<_>>(), split);
    assert!(!usable(&app, &buyer).await.contains(&coupon));
    for order in &orders {
        let id = order["id"].as_i64().expect("id");
        app.app_state.orders.mark_paid(id.into(), format!("pay-{id}")).await.expect("paid");
    }
    let admin_list = app.items_as(&admin, "/api/v1/admin/coupons").await;
    let counted = &admin_list[0];
    assert_eq!((counted["used"].as_i64(), counted["discount_given"].as_str()), (Some(1), Some("30.00")), "{counted}");
    assert_eq!(counted["paid_orders"], 2, "{counted}");
}

async fn a_shared_coupon_comes_back_only_when_every_order_holding_it_is_cancelled(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else { return };
    let admin = app.admin().await;
    let (_, _, sixty) = shop_selling(&app, &admin, "60.00").await;
    let (_, _, ninety) = shop_selling(&app, &admin, "90.00").await;
    let offered = platform_coupon(&app, &admin, json!({})).await;
    let buyer = app.register().await;
    let coupon = claim(&app, &buyer, &offered).await;
    let checkout = app.place_checkout(&buyer, &[(&sixty, 1), (&ninety, 1)]).await;
    let ids: Vec<i64> =
        checkout["orders"].as_array().expect("orders").iter().filter_map(|o| o["id"].as_i64()).collect();
    let (app, buyer) = (&app, &buyer);
    let cancel =
        |id: i64| async move { app.post_as(buyer, &format!("/api/v1/orders/{id}/cancel"), &json!({})).await.status() };
    assert_eq!(cancel(ids[0]).await, 200);
    assert!(!usable(app, buyer).await.contains(&coupon), "the other order still holds the coupon");
    // Nor can another checkout take it meanwhile.
    let mut named = items(&[(&sixty, 1), (&ninety, 1)]);
    named["coupon_ids"] = json!([coupon]);
    let answer = app.post_as(buyer, "/api/v1/checkout/preview", &named).await;
    assert_eq!(answer.status(), 409);
    assert_eq!(problem(answer).await["code"], "coupon_unavailable");
    assert_eq!(cancel(ids[1]).await, 200);
    assert!(usable(app, buyer).await.contains(&coupon), "back once no order holds it");
    // And it can be spent again, named by the buyer.
    let again = preview(app, buyer, named).await;
    assert_eq!(again["shops"][0]["adjustments"][0]["chosen_by"], "buyer");
}

async fn platform_and_shop_coupons_stack_only_when_both_combine(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else { return };
    let admin = app.admin().await;
    let (seller, shop, sixty) = shop_selling(&app, &admin, "60.00").await;
    let (_, _, ninety) = shop_selling(&app, &admin, "90.00").await;
    let shop_coupon = |combinable: bool| {
        let mut body =
            template(json!({ "name": "店铺10元", "amount_off": "10.00", "min_spend": null, "combinable": combinable }));
        body.as_object_mut().expect("body").remove("min_spend");
        body
    };
    let checkout = items(&[(&sixty, 1), (&ninety, 1)]);
    // Both combine: the shop coupon on its order, then the platform coupon on what is left (140.00).
    let buyer = app.register().await;
    let combining: Value = app
        .post_as(&seller, &format!("/api/v1/seller/shops/{shop}/coupons"), &shop_coupon(true))
        .await
        .json()
        .await
        .expect("t");
    claim(&app, &buyer, &combining).await;
    claim(&app, &buyer, &platform_coupon(&app, &admin, json!({ "combinable": true })).await).await;
    let quote = preview(&app, &buyer, checkout.clone()).await;
    let first = adjustments(&quote["shops"][0]);
    assert_eq!(first[0], adjustment("coupon", "-10.00", "shop"), "{quote}");
    let platform_off: f64 = quote["shops"]
        .as_array()
        .expect("shops")
        .iter()
        .flat_map(|shop| shop["adjustments"].as_array().expect("adjustments").clone())
        .filter(|a| a["funder"] == "platform")
        .filter_map(|a| a["amount"].as_str().and_then(|x| x.parse::<f64>().ok()))
        .sum();
    assert!((platform_off + 30.0).abs() < 1e-9, "{quote}");

    // The shop coupon does not combine: 10.00 with it, or 30.00 with the platform coupon over
    // both orders without it — the buyer gets 30.00 and keeps the shop coupon.
    let other = app.register().await;
    let apart: Value = app
        .post_as(&seller, &format!("/api/v1/seller/shops/{shop}/coupons"), &shop_coupon(false))
        .await
        .json()
        .await
        .expect("t");
    let kept = claim(&app, &other, &apart).await;
    claim(&app, &other, &platform_coupon(&app, &admin, json!({ "combinable": true })).await).await;
    let quote = preview(&app, &other, checkout).await;
    let kinds: Vec<_> = quote["shops"].as_array().expect("shops").iter().map(adjustments).collect();
    assert_eq!(
        kinds,
        [vec![adjustment("coupon", "-12.00", "platform")], vec![adjustment("coupon", "-18.00", "platform")]],
        "{quote}"
    );
    assert!(quote["shops"][0]["adjustments"].as_array().expect("a").iter().all(|a| a["coupon_id"] != kept));
}

async fn only_administrators_offer_platform_coupons_and_bad_ones_are_refused(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else { return };
    let admin = app.admin().await;
    let (seller, _, _) = shop_selling(&app, &admin, "10.00").await;
    let answer = app.post_as(&seller, "/api/v1/admin/coupons", &template(json!({}))).await;
    assert_eq!(answer.status(), 403);
    assert_eq!(app.get_as(&seller, "/api/v1/admin/coupons").await.status(), 403);
    let cases = [
        (json!({ "kind": "percent", "amount_off": null, "percent_off": 120 }), "percent_off"),
        (json!({ "amount_off": "200.00" }), "min_spend"),
        (json!({ "scope": "products", "product_ids": [987_654_321] }), "product_ids"),
    ];
    for (fields, field) in cases {
        let answer = app.post_as(&admin, "/api/v1/admin/coupons", &template(fields.clone())).await;
        assert_eq!(answer.status(), 422, "{fields}");
        assert_eq!(problem(answer).await["field"], field, "{fields}");
    }
    assert!(app.items_as(&admin, "/api/v1/admin/coupons").await.as_array().expect("list").is_empty());
}
