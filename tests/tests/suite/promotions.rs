//! Coupons as a shop and its buyers use them: claims within the quantity and per-buyer limits under
//! a crowd, the best coupon chosen at checkout and spent once paid, given back when the order is
//! cancelled or times out, one coupon never spent by two racing checkouts, and bad templates or
//! coupon choices refused naming the field with nothing written.

use bazaar_tests::catalog::simple;
use bazaar_tests::{Backend, TestApp, User, on_both_backends, problem};
use futures_util::future::join_all;
use serde_json::{Value, json};
use std::time::Duration;

on_both_backends!(
    claims_stay_within_the_quantity_and_each_buyers_limit,
    checkout_takes_the_best_coupon_and_spends_it_once_paid,
    cancelled_and_timed_out_orders_give_their_coupon_back,
    two_checkouts_racing_for_one_coupon_spend_it_once,
    bad_templates_are_refused_field_by_field_and_nothing_is_written,
    a_threshold_is_reached_exactly_or_not_at_all,
    coupons_that_are_not_yours_or_not_usable_here_are_refused,
    the_wallet_says_which_coupons_the_cart_can_use_and_why_not,
);

struct Shop {
    seller: User,
    shop: i64,
    product: Value,
}

async fn shop_with(app: &TestApp, admin: &User, price: &str) -> Shop {
    let (seller, shop) = app.seller(admin).await;
    let product = app.publish_product(&seller, &simple(shop, app.category("Snacks").await, "桂花糕", price, 500)).await;
    Shop { seller, shop, product }
}

/// A whole-shop template open for claims now, with `fields` on top.
fn template(fields: Value) -> Value {
    let now = chrono::Utc::now();
    bazaar_tests::promotions::with_fields(
        json!({
            "name": "店铺券", "kind": "fixed", "amount_off": "10.00", "scope": "shop",
            "claim_starts_at": now - chrono::Duration::minutes(1), "claim_ends_at": now + chrono::Duration::days(7),
            "valid_days": 7, "total_quantity": 100, "visibility": "public",
        }),
        fields,
    )
}

async fn offer(app: &TestApp, shop: &Shop, fields: Value) -> Value {
    let response =
        app.post_as(&shop.seller, &format!("/api/v1/seller/shops/{}/coupons", shop.shop), &template(fields)).await;
    let status = response.status();
    let body: Value = response.json().await.expect("template");
    assert_eq!(status, 201, "{body}");
    body
}

async fn claim_attempt(app: &TestApp, buyer: &User, template: &Value) -> reqwest::Response {
    app.post_as(buyer, &format!("/api/v1/coupons/{}/claim", template["id"]), &json!({})).await
}

async fn claim(app: &TestApp, buyer: &User, template: &Value) -> Value {
    let response = app.post_as(buyer, &format!("/api/v1/coupons/{}/claim", template["id"]), &json!({})).await;
    let status = response.status();
    let body: Value = response.json().await.expect("claim");
    assert_eq!(status, 201, "{body}");
    body
}

async fn preview(app: &TestApp, buyer: &User, body: Value) -> Value {
    let response = app.post_as(buyer, "/api/v1/checkout/preview", &body).await;
    let status = response.status();
    let body: Value = response.json().await.expect("preview");
    assert_eq!(status, 200, "{body}");
    body
}

/// Places `quantity` of the shop's product naming `coupons` (or letting checkout choose).
async fn order(
    app: &TestApp,
    buyer: &User,
    shop: &Shop,
    quantity: i32,
    coupons: Option<Value>,
    key: &str,
) -> reqwest::Response {
    let address: Value = app
        .post_as(
            buyer,
            "/api/v1/me/addresses",
            &json!({ "recipient": "钱七", "phone": buyer.phone, "province": "浙江省", "city": "杭州市",
                     "district": "西湖区", "detail": "北山街 1 号" }),
        )
        .await
        .json()
        .await
        .expect("address");
    let mut body = json!({ "address_id": address["id"], "items": [{ "sku_id": shop.product["skus"][0]["id"], "quantity": quantity }] });
    if let Some(coupons) = coupons {
        body["coupon_ids"] = coupons;
    }
    app.client
        .post(app.url("/api/v1/orders"))
        .bearer_auth(&buyer.access_token)
        .header("idempotency-key", key)
        .json(&body)
        .send()
        .await
        .expect("order")
}

async fn placed(response: reqwest::Response) -> Value {
    let status = response.status();
    let body: Value = response.json().await.expect("order");
    assert_eq!(status, 201, "{body}");
    body["orders"][0].clone()
}

async fn wallet(app: &TestApp, buyer: &User, status: &str) -> Vec<i64> {
    let items = app.items_as(buyer, &format!("/api/v1/me/coupons?status={status}")).await;
    items.as_array().expect("wallet").iter().map(|coupon| coupon["id"].as_i64().expect("id")).collect()
}

async fn template_now(app: &TestApp, shop: &Shop, id: &Value) -> Value {
    let all = app.items_as(&shop.seller, &format!("/api/v1/seller/shops/{}/coupons", shop.shop)).await;
    all.as_array().expect("templates").iter().find(|t| t["id"] == *id).cloned().expect("the template")
}

async fn claims_stay_within_the_quantity_and_each_buyers_limit(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else { return };
    let admin = app.admin().await;
    let shop = shop_with(&app, &admin, "30.00").await;
    let scarce = offer(&app, &shop, json!({ "total_quantity": 100, "per_user_limit": 10 })).await;
    let buyers = join_all((0..100).map(|_| app.register())).await;
    // 1000 claims at once from 100 buyers, 10 each, for 100 coupons.
    let claims = buyers.iter().flat_map(|buyer| (0..10).map(|_| claim_attempt(&app, buyer, &scarce)));
    let answers = join_all(claims).await;
    let mut issued = 0;
    for answer in answers {
        match answer.status().as_u16() {
            201 => issued += 1,
            409 => assert!(
                ["coupon_sold_out", "claim_limit_reached"]
                    .contains(&problem(answer).await["code"].as_str().unwrap_or(""))
            ),
            other => panic!("a claim answered {other}"),
        }
    }
    assert_eq!(issued, 100);
    assert_eq!(template_now(&app, &shop, &scarce["id"]).await["issued"], 100);

    // One buyer, limit one, fifty claims at once: one coupon.
    let once = offer(&app, &shop, json!({ "total_quantity": 1000, "per_user_limit": 1 })).await;
    let buyer = app.register().await;
    let answers = join_all((0..50).map(|_| claim_attempt(&app, &buyer, &once))).await;
    assert_eq!(answers.iter().filter(|answer| answer.status() == 201).count(), 1);
    assert_eq!(wallet(&app, &buyer, "usable").await.len(), 1);
    assert_eq!(template_now(&app, &shop, &once["id"]).await["issued"], 1, "refused claims leave the count alone");
}

async fn checkout_takes_the_best_coupon_and_spends_it_once_paid(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else { return };
    let admin = app.admin().await;
    let shop = shop_with(&app, &admin, "100.00").await;
    let ten_off = offer(&app, &shop, json!({ "name": "满50减10", "min_spend": "50.00" })).await;
    let fifth_off = offer(
        &app,
        &shop,
        json!({ "name": "八折", "kind": "percent", "amount_off": null, "percent_off": 20, "max_discount": "15.00" }),
    )
    .await;
    let out_of_reach =
        offer(&app, &shop, json!({ "name": "满300减60", "amount_off": "60.00", "min_spend": "300.00" })).await;
    let buyer = app.register().await;
    let [ten, fifth, _far] = [&ten_off, &fifth_off, &out_of_reach].map(|t| t["id"].clone());
    let mut coupons = Vec::new();
    for template in [&ten_off, &fifth_off, &out_of_reach] {
        coupons.push(claim(&app, &buyer, template).await["id"].clone());
    }
    let sku = &shop.product["skus"][0]["id"];

    let best = preview(&app, &buyer, json!({ "items": [{ "sku_id": sku, "quantity": 1 }] })).await;
    let adjustment = &best["shops"][0]["adjustments"][0];
    assert_eq!(adjustment["template_id"], fifth, "20% capped at 15.00 beats 10.00 off: {best}");
    assert_eq!((adjustment["amount"].as_str(), adjustment["chosen_by"].as_str()), (Some("-15.00"), Some("best")));
    assert_eq!(adjustment["funder"], "shop");
    let without = preview(&app, &buyer, json!({ "items": [{ "sku_id": sku, "quantity": 1 }], "coupon_ids": [] })).await;
    assert!(without["shops"][0]["adjustments"].as_array().expect("adjustments").is_empty());
    let undiscounted: f64 = without["total"].as_str().and_then(|t| t.parse().ok()).expect("total");
    let discounted: f64 = best["total"].as_str().and_then(|t| t.parse().ok()).expect("total");
    assert!((undiscounted - discounted - 15.0).abs() < 1e-9, "{without} {best}");
    let chosen =
        preview(&app, &buyer, json!({ "items": [{ "sku_id": sku, "quantity": 1 }], "coupon_ids": [coupons[0]] })).await;
    assert_eq!(chosen["shops"][0]["adjustments"][0]["template_id"], ten);
    assert_eq!(chosen["shops"][0]["adjustments"][0]["chosen_by"], "buyer");

    // Placing takes what the preview showed, and holds the coupon.
    let order = placed(order(&app, &buyer, &shop, 2, None, "best-1").await).await;
    let adjustment = &order["adjustments"][0];
    assert_eq!(adjustment["amount"], "-15.00");
    let allocated: Vec<&str> = adjustment["allocations"]
        .as_array()
        .expect("allocations")
        .iter()
        .filter_map(|a| a["amount"].as_str())
        .collect();
    assert_eq!(allocated, ["-15.00"], "one line takes the whole discount");
    assert_eq!(order["total"].as_str(), Some(format!("{:.2}", 200.0 - 15.0 + shipping(&order)).as_str()));
    assert_eq!(wallet(&app, &buyer, "used").await, vec![coupons[1].as_i64().expect("id")]);
    let order_id = order["id"].as_i64().expect("id");
    app.app_state.orders.mark_paid(order_id.into(), "pay-coupon".into()).await.unwrap();
    app.app_state.orders.mark_paid(order_id.into(), "pay-coupon".into()).await.unwrap();
    let spent = template_now(&app, &shop, &fifth).await;
    assert_eq!(
        (spent["used"].as_i64(), spent["discount_given"].as_str()),
        (Some(1), Some("15.00")),
        "counted once: {spent}"
    );
    assert_eq!(
        (spent["paid_orders"].as_i64(), &spent["gmv"]),
        (Some(1), &order["total"]),
        "the order it brought: {spent}"
    );
    assert_eq!(template_now(&app, &shop, &ten).await["paid_orders"], 0, "the coupons not used bring nothing");
    let detail: Value = app.get_as(&buyer, &format!("/api/v1/orders/{order_id}")).await.json().await.unwrap();
    assert_eq!(detail["adjustments"][0]["coupon_id"], coupons[1]);
}

fn shipping(order: &Value) -> f64 {
    order["shipping_fee"].as_str().and_then(|fee| fee.parse().ok()).unwrap_or(0.0)
}

async fn cancelled_and_timed_out_orders_give_their_coupon_back(backend: Backend) {
    let Some(app) = TestApp::spawn_with(backend, |c| {
        c.crates.checkout.order_sweep_interval_secs = 1;
        c.crates.checkout.order_payment_timeout_secs = 2;
    })
    .await
    else {
        return;
    };
    let admin = app.admin().await;
    let shop = shop_with(&app, &admin, "40.00").await;
    let template = offer(&app, &shop, json!({})).await;
    let buyer = app.register().await;
    let coupon = claim(&app, &buyer, &template).await["id"].as_i64().expect("id");

    let first = placed(order(&app, &buyer, &shop, 1, Some(json!([coupon])), "cancel-1").await).await;
    assert!(wallet(&app, &buyer, "usable").await.is_empty(), "held by the unpaid order");
    let cancelled = app.post_as(&buyer, &format!("/api/v1/orders/{}/cancel", first["id"]), &json!({})).await;
    assert_eq!(cancelled.status(), 200);
    assert_eq!(wallet(&app, &buyer, "usable").await, vec![coupon], "back in the wallet");

    let second = placed(order(&app, &buyer, &shop, 1, Some(json!([coupon])), "timeout-1").await).await;
    assert_eq!(second["adjustments"][0]["coupon_id"], coupon);
    let mut back = false;
    for _ in 0..80 {
        if wallet(&app, &buyer, "usable").await == vec![coupon] {
            back = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(back, "the timed-out order gave the coupon back");
    assert_eq!(template_now(&app, &shop, &template["id"]).await["used"], 0);
}

async fn two_checkouts_racing_for_one_coupon_spend_it_once(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else { return };
    let admin = app.admin().await;
    let shop = shop_with(&app, &admin, "25.00").await;
    let template = offer(&app, &shop, json!({})).await;
    let buyer = app.register().await;
    let coupon = claim(&app, &buyer, &template).await["id"].as_i64().expect("id");
    let (app, buyer, shop) = (&app, &buyer, &shop);
    let racing = join_all(
        (0..6).map(|n| async move { order(app, buyer, shop, 1, Some(json!([coupon])), &format!("race-{n}")).await }),
    )
    .await;
    let mut won = 0;
    for answer in racing {
        if answer.status() == 201 {
            won += 1;
            continue;
        }
        let refusal = problem(answer).await;
        let code = refusal["code"].as_str().unwrap_or("");
        assert!(code == "coupon_unavailable" || refusal["field"] == "coupon_ids", "{refusal}");
    }
    assert_eq!(won, 1, "one order holds the coupon");
}

async fn bad_templates_are_refused_field_by_field_and_nothing_is_written(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else { return };
    let admin = app.admin().await;
    let shop = shop_with(&app, &admin, "10.00").await;
    let other = shop_with(&app, &admin, "10.00").await;
    let now = chrono::Utc::now();
    let cases = [
        (json!({ "kind": "percent", "amount_off": null, "percent_off": 150 }), "percent_off"),
        (json!({ "amount_off": "-5.00" }), "amount_off"),
        (json!({ "amount_off": "20.00", "min_spend": "10.00" }), "min_spend"),
        (json!({ "claim_ends_at": now - chrono::Duration::days(1) }), "claim_ends_at"),
        (json!({ "scope": "products", "product_ids": [other.product["id"]] }), "product_ids"),
        (json!({ "visibility": "code" }), "redeem_code"),
    ];
    for (fields, field) in cases {
        let answer = app
            .post_as(&shop.seller, &format!("/api/v1/seller/shops/{}/coupons", shop.shop), &template(fields.clone()))
            .await;
        assert_eq!(answer.status(), 422, "{fields}");
        let refusal = problem(answer).await;
        assert_eq!(refusal["field"], field, "{refusal}");
    }
    // Several bad fields: all of them at once.
    let answer = app
        .post_as(
            &shop.seller,
            &format!("/api/v1/seller/shops/{}/coupons", shop.shop),
            &template(json!({ "name": "", "total_quantity": 0, "valid_days": 0 })),
        )
        .await;
    let refusal = problem(answer).await;
    let fields: Vec<&str> =
        refusal["errors"].as_array().expect("errors").iter().filter_map(|e| e["field"].as_str()).collect();
    assert_eq!(fields, ["name", "valid_days", "total_quantity"], "{refusal}");
    // Another shop's seller may not offer coupons here.
    let answer =
        app.post_as(&other.seller, &format!("/api/v1/seller/shops/{}/coupons", shop.shop), &template(json!({}))).await;
    assert_eq!(answer.status(), 403);
    assert!(
        app.items_as(&shop.seller, &format!("/api/v1/seller/shops/{}/coupons", shop.shop))
            .await
            .as_array()
            .expect("list")
            .is_empty()
    );
}

async fn a_threshold_is_reached_exactly_or_not_at_all(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else { return };
    let admin = app.admin().await;
    for (price, off) in [("4.99", None), ("5.00", Some("-1.00"))] {
        let shop = shop_with(&app, &admin, price).await;
        let template = offer(&app, &shop, json!({ "name": "满5减1", "amount_off": "1.00", "min_spend": "5.00" })).await;
        let buyer = app.register().await;
        claim(&app, &buyer, &template).await;
        let quote =
            preview(&app, &buyer, json!({ "items": [{ "sku_id": shop.product["skus"][0]["id"], "quantity": 1 }] }))
                .await;
        assert_eq!(quote["shops"][0]["adjustments"][0]["amount"].as_str(), off, "{price}: {quote}");
    }
}

async fn coupons_that_are_not_yours_or_not_usable_here_are_refused(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else { return };
    let admin = app.admin().await;
    let shop = shop_with(&app, &admin, "50.00").await;
    let elsewhere = shop_with(&app, &admin, "50.00").await;
    let buyer = app.register().await;
    let someone = app.register().await;
    let theirs = claim(&app, &someone, &offer(&app, &shop, json!({})).await).await["id"].clone();
    let other_shop = claim(&app, &buyer, &offer(&app, &elsewhere, json!({})).await).await["id"].clone();
    let far = claim(&app, &buyer, &offer(&app, &shop, json!({ "amount_off": "10.00", "min_spend": "500.00" })).await)
        .await["id"]
        .clone();
    for coupon in [theirs, other_shop, far, json!(999_999)] {
        let answer = order(&app, &buyer, &shop, 1, Some(json!([coupon])), &format!("bad-{coupon}")).await;
        assert_eq!(answer.status(), 422, "{coupon}");
        assert_eq!(problem(answer).await["field"], "coupon_ids");
    }
    let orders = app.items_as(&buyer, "/api/v1/orders").await;
    assert!(orders.as_array().expect("orders").is_empty(), "nothing was placed");
    // A code coupon is claimed with its code, not by its id.
    let coded = offer(&app, &shop, json!({ "visibility": "code", "redeem_code": "TEA2026" })).await;
    let by_id = app.post_as(&buyer, &format!("/api/v1/coupons/{}/claim", coded["id"]), &json!({})).await;
    assert_eq!(by_id.status(), 404);
    let redeemed = app.post_as(&buyer, "/api/v1/coupons/redeem", &json!({ "code": "TEA2026" })).await;
    assert_eq!(redeemed.status(), 201);
}

async fn the_wallet_says_which_coupons_the_cart_can_use_and_why_not(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else { return };
    let admin = app.admin().await;
    let shop = shop_with(&app, &admin, "30.00").await;
    let elsewhere = shop_with(&app, &admin, "30.00").await;
    let buyer = app.register().await;
    let far = claim(&app, &buyer, &offer(&app, &shop, json!({ "name": "满50减10", "min_spend": "50.00" })).await).await;
    let near = claim(
        &app,
        &buyer,
        &offer(&app, &shop, json!({ "name": "满20减5", "amount_off": "5.00", "min_spend": "20.00" })).await,
    )
    .await;
    let other = claim(&app, &buyer, &offer(&app, &elsewhere, json!({})).await).await;
    let added = app
        .post_as(&buyer, "/api/v1/cart/items", &json!({ "sku_id": shop.product["skus"][0]["id"], "quantity": 1 }))
        .await;
    assert_eq!(added.status(), 200);
    let listed = app.items_as(&buyer, "/api/v1/me/coupons?for_cart=true").await;
    let seen: Vec<(i64, bool, String)> = listed
        .as_array()
        .expect("wallet")
        .iter()
        .map(|c| {
            (
                c["id"].as_i64().unwrap_or(0),
                c["usable_for_cart"] == true,
                c["why_not"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect();
    assert_eq!(seen[0], (near["id"].as_i64().unwrap_or(0), true, String::new()), "usable first: {listed}");
    let why = |id: &Value| {
        seen.iter().find(|(c, ..)| Some(*c) == id.as_i64()).map(|(_, _, why)| why.clone()).unwrap_or_default()
    };
    assert_eq!(why(&far["id"]), "spend 20.00 more on covered items");
    assert_eq!(why(&other["id"]), "nothing from this shop is in your cart");
    let refused = app.get_as(&buyer, "/api/v1/me/coupons?for_cart=true&status=used").await;
    assert_eq!(refused.status(), 400);
}
