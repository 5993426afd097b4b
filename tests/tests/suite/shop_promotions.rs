//! Automatic promotions as a shop and its buyers meet them: threshold tiers and N-items-percent-off
//! applied without a claim, limited-time prices on the product page and in checkout, coupons
//! stacked on top only when both sides combine, the best combination chosen for the buyer (or the
//! coupon they name), and bad promotions refused naming the field with nothing written.

use bazaar_tests::catalog::simple;
use bazaar_tests::promotions::row;
use bazaar_tests::{Backend, TestApp, User, on_both_backends, problem};
use serde_json::{Value, json};

on_both_backends!(
    tiers_take_the_highest_step_reached_without_a_claim,
    coupons_stack_on_a_promotion_only_when_both_combine,
    items_percent_off_counts_units_and_rounds_down,
    limited_time_prices_show_a_countdown_and_set_the_price_while_live,
    bad_promotions_are_refused_field_by_field_and_nothing_is_written,
);

struct Shop {
    seller: User,
    shop: i64,
    product: i64,
    sku: Value,
}

async fn shop_with(app: &TestApp, admin: &User, price: &str) -> Shop {
    let (seller, shop) = app.seller(admin).await;
    let product = app.publish_product(&seller, &simple(shop, app.category("Snacks").await, "青团", price, 500)).await;
    let id = product["id"].as_i64().expect("product id");
    Shop { seller, shop, product: id, sku: product["skus"][0]["id"].clone() }
}

fn window(mut body: Value, starts_in_minutes: i64) -> Value {
    let now = chrono::Utc::now();
    body["starts_at"] = json!(now + chrono::Duration::minutes(starts_in_minutes));
    body["ends_at"] = json!(now + chrono::Duration::days(3));
    body
}

async fn start(app: &TestApp, shop: &Shop, body: Value) -> Value {
    let answer = app.post_as(&shop.seller, &format!("/api/v1/seller/shops/{}/promotions", shop.shop), &body).await;
    let status = answer.status();
    let body: Value = answer.json().await.expect("promotion");
    assert_eq!(status, 201, "{body}");
    body
}

fn tiers(combinable: bool) -> Value {
    window(
        json!({ "name": "店庆满减", "kind": "tiers", "combinable": combinable,
                "tiers": [{ "min_spend": "199.00", "amount_off": "20.00" }, { "min_spend": "399.00", "amount_off": "50.00" }] }),
        -1,
    )
}

async fn preview(app: &TestApp, buyer: &User, body: Value) -> Value {
    let answer = app.post_as(buyer, "/api/v1/checkout/preview", &body).await;
    let status = answer.status();
    let body: Value = answer.json().await.expect("preview");
    assert_eq!(status, 200, "{body}");
    body["shops"][0].clone()
}

/// (kind, amount, chosen_by) of each adjustment of a shop's quote.
fn adjustments(quote: &Value) -> Vec<Vec<String>> {
    bazaar_tests::promotions::adjustments(quote, &["kind", "amount", "chosen_by"])
}

fn triple(kind: &str, amount: &str, chosen_by: &str) -> Vec<String> {
    row(&[kind, amount, chosen_by])
}

async fn coupon(app: &TestApp, shop: &Shop, buyer: &User, off: &str, combinable: bool) -> Value {
    let now = chrono::Utc::now();
    let template: Value = app
        .post_as(
            &shop.seller,
            &format!("/api/v1/seller/shops/{}/coupons", shop.shop),
            &json!({ "name": format!("{off} 元券"), "kind": "fixed", "amount_off": off, "scope": "shop",
                     "claim_starts_at": now - chrono::Duration::minutes(1), "claim_ends_at": now + chrono::Duration::days(7),
                     "valid_days": 7, "total_quantity": 100, "visibility": "public", "combinable": combinable }),
        )
        .await
        .json()
        .await
        .expect("template");
    let claimed: Value = app
        .post_as(buyer, &format!("/api/v1/coupons/{}/claim", template["id"]), &json!({}))
        .await
        .json()
        .await
        .expect("claim");
    claimed["id"].clone()
}

async fn tiers_take_the_highest_step_reached_without_a_claim(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else { return };
    let admin = app.admin().await;
    let shop = shop_with(&app, &admin, "99.75").await;
    let promotion = start(&app, &shop, tiers(true)).await;
    assert_eq!(promotion["label"], "满199减20 / 满399减50");
    let buyer = app.register().await;
    let items = |quantity: i32| json!({ "items": [{ "sku_id": shop.sku, "quantity": quantity }] });
    // 199.50 reaches the first step, 399.00 the second; 99.75 neither.
    assert!(adjustments(&preview(&app, &buyer, items(1)).await).is_empty());
    let two = preview(&app, &buyer, items(2)).await;
    assert_eq!(adjustments(&two), [triple("promotion", "-20.00", "best")], "{two}");
    assert_eq!(
        (two["adjustments"][0]["funder"].as_str(), &two["adjustments"][0]["promotion_id"]),
        (Some("shop"), &promotion["id"])
    );
    assert_eq!(adjustments(&preview(&app, &buyer, items(4)).await), [triple("promotion", "-50.00", "best")]);
    // Placing takes it too, recorded on the order with its allocation.
    let checkout = app.place_checkout(&buyer, &[(&shop.sku, 4)]).await;
    let order = &checkout["orders"][0];
    assert_eq!(order["adjustments"][0]["promotion_id"], promotion["id"]);
    assert_eq!(order["adjustments"][0]["allocations"][0]["amount"], "-50.00");
    let paid = 399.0 - 50.0 + order["shipping_fee"].as_str().and_then(|f| f.parse::<f64>().ok()).unwrap_or(0.0);
    assert_eq!(order["total"].as_str(), Some(format!("{paid:.2}").as_str()));
    // Paid, the seller sees what it gave (counted once, however often the payment is reported).
    let order_id = order["id"].as_i64().expect("order id");
    for _ in 0..2 {
        app.app_state.orders.mark_paid(order_id.into(), "pay-tiers".into()).await.expect("paid");
    }
    let listed = app.items_as(&shop.seller, &format!("/api/v1/seller/shops/{}/promotions", shop.shop)).await;
    let report = &listed[0];
    assert_eq!(
        (report["paid_orders"].as_i64(), report["discount_given"].as_str()),
        (Some(1), Some("50.00")),
        "{report}"
    );
    assert_eq!(report["gmv"], order["total"]);
    // Once ended, it gives nothing more.
    let ended =
        app.post_as(&shop.seller, &format!("/api/v1/seller/promotions/{}/end", promotion["id"]), &json!({})).await;
    assert_eq!(ended.status(), 200);
    assert!(adjustments(&preview(&app, &buyer, items(4)).await).is_empty());
}

async fn coupons_stack_on_a_promotion_only_when_both_combine(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else { return };
    let admin = app.admin().await;
    let items = |shop: &Shop, quantity: i32| json!({ "items": [{ "sku_id": shop.sku, "quantity": quantity }] });
    // Both combine: the promotion, then the coupon on what is left.
    let both = shop_with(&app, &admin, "100.00").await;
    start(&app, &both, tiers(true)).await;
    let buyer = app.register().await;
    coupon(&app, &both, &buyer, "10.00", true).await;
    let quote = preview(&app, &buyer, items(&both, 2)).await;
    assert_eq!(adjustments(&quote), [triple("promotion", "-20.00", "best"), triple("coupon", "-10.00", "best")]);

    // The coupon does not combine: whichever alone takes more off, and a coupon not needed stays in the wallet.
    let apart = shop_with(&app, &admin, "100.00").await;
    start(&app, &apart, tiers(true)).await;
    let thirty = coupon(&app, &apart, &buyer, "30.00", false).await;
    assert_eq!(adjustments(&preview(&app, &buyer, items(&apart, 2)).await), [triple("coupon", "-30.00", "best")]);
    assert_eq!(adjustments(&preview(&app, &buyer, items(&apart, 4)).await), [triple("promotion", "-50.00", "best")]);
    app.place_checkout(&buyer, &[(&apart.sku, 4)]).await;
    let usable = app.items_as(&buyer, "/api/v1/me/coupons?status=usable").await;
    assert!(usable.as_array().expect("wallet").iter().any(|c| c["id"] == thirty), "the coupon was not spent: {usable}");
    // Named by the buyer, the coupon is taken and the promotion it does not combine with is dropped.
    let mut named = items(&apart, 4);
    named["coupon_ids"] = json!([thirty]);
    assert_eq!(adjustments(&preview(&app, &buyer, named).await), [triple("coupon", "-30.00", "buyer")]);

    // The promotion does not combine: the same, from the other side.
    let exclusive = shop_with(&app, &admin, "100.00").await;
    start(&app, &exclusive, tiers(false)).await;
    coupon(&app, &exclusive, &buyer, "10.00", true).await;
    assert_eq!(
        adjustments(&preview(&app, &buyer, items(&exclusive, 2)).await),
        [triple("promotion", "-20.00", "best")]
    );
    assert_eq!(adjustments(&preview(&app, &buyer, items(&exclusive, 1)).await), [triple("coupon", "-10.00", "best")]);
}

async fn items_percent_off_counts_units_and_rounds_down(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else { return };
    let admin = app.admin().await;
    let shop = shop_with(&app, &admin, "33.33").await;
    let promotion = start(
        &app,
        &shop,
        window(json!({ "name": "两件九折", "kind": "items_percent", "min_items": 2, "percent_off": 10 }), -1),
    )
    .await;
    assert_eq!(promotion["label"], "满2件9折");
    let buyer = app.register().await;
    let items = |quantity: i32| json!({ "items": [{ "sku_id": shop.sku, "quantity": quantity }] });
    assert!(adjustments(&preview(&app, &buyer, items(1)).await).is_empty());
    // 3 × 33.33 = 99.99; 10% is 9.999, rounded down to 9.99.
    assert_eq!(adjustments(&preview(&app, &buyer, items(3)).await), [triple("promotion", "-9.99", "best")]);
}

async fn limited_time_prices_show_a_countdown_and_set_the_price_while_live(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else { return };
    let admin = app.admin().await;
    let shop = shop_with(&app, &admin, "33.33").await;
    let product = shop.product;
    let timed = start(
        &app,
        &shop,
        window(json!({ "name": "限时特价", "kind": "timed_price", "sku_id": shop.sku, "price": "25.00" }), -1),
    )
    .await;
    // The items-percent promotion of the shop does not reach lines at a price that does not combine.
    start(
        &app,
        &shop,
        window(json!({ "name": "两件九折", "kind": "items_percent", "min_items": 2, "percent_off": 10 }), -1),
    )
    .await;
    let page: Value = app.get(&format!("/api/v1/products/{product}/promotions")).await.json().await.expect("page");
    let shown = &page["timed_prices"][0];
    assert_eq!((shown["id"].clone(), shown["state"].as_str()), (timed["id"].clone(), Some("live")), "{page}");
    assert_eq!((shown["price"].as_str(), shown["list_price"].as_str()), (Some("25.00"), Some("33.33")));
    assert!(shown["ends_in_seconds"].as_i64().expect("countdown") > 3 * 86_400 - 120, "{shown}");
    assert_eq!(page["order_promotions"][0]["label"], "满2件9折");

    let buyer = app.register().await;
    let quote = preview(&app, &buyer, json!({ "items": [{ "sku_id": shop.sku, "quantity": 2 }] })).await;
    assert_eq!(quote["lines"][0]["unit_price"], "25.00", "{quote}");
    assert!(adjustments(&quote).is_empty(), "{quote}");
    let order = &app.place_checkout(&buyer, &[(&shop.sku, 2)]).await["orders"][0];
    assert_eq!(order["items"][0]["unit_price"], "25.00");

    // A second limited-time price for the same SKU in an overlapping window is refused.
    let overlap = app
        .post_as(
            &shop.seller,
            &format!("/api/v1/seller/shops/{}/promotions", shop.shop),
            &window(json!({ "name": "再降", "kind": "timed_price", "sku_id": shop.sku, "price": "20.00" }), 60),
        )
        .await;
    assert_eq!(overlap.status(), 409);
    assert_eq!(problem(overlap).await["code"], "timed_price_overlaps");
    // Ended, the SKU is back at its price, and the items promotion reaches it again.
    app.post_as(&shop.seller, &format!("/api/v1/seller/promotions/{}/end", timed["id"]), &json!({})).await;
    let quote = preview(&app, &buyer, json!({ "items": [{ "sku_id": shop.sku, "quantity": 2 }] })).await;
    assert_eq!(quote["lines"][0]["unit_price"], "33.33");
    assert_eq!(adjustments(&quote), [triple("promotion", "-6.66", "best")]);
    // An upcoming one is shown with its countdown to the start and changes no price yet.
    start(
        &app,
        &shop,
        window(json!({ "name": "明日特价", "kind": "timed_price", "sku_id": shop.sku, "price": "30.00" }), 90),
    )
    .await;
    let page: Value = app.get(&format!("/api/v1/products/{product}/promotions")).await.json().await.expect("page");
    let upcoming = page["timed_prices"].as_array().expect("list").iter().find(|p| p["state"] == "upcoming").cloned();
    let upcoming = upcoming.expect("the upcoming price");
    assert!(upcoming["starts_in_seconds"].as_i64().expect("countdown") > 80 * 60, "{upcoming}");
    let quote = preview(&app, &buyer, json!({ "items": [{ "sku_id": shop.sku, "quantity": 1 }] })).await;
    assert_eq!(quote["lines"][0]["unit_price"], "33.33");
}

async fn bad_promotions_are_refused_field_by_field_and_nothing_is_written(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else { return };
    let admin = app.admin().await;
    let shop = shop_with(&app, &admin, "10.00").await;
    let other = shop_with(&app, &admin, "10.00").await;
    let tier = |min: &str, off: &str| json!({ "min_spend": min, "amount_off": off });
    let cases = [
        (json!({ "kind": "items_percent", "min_items": 2, "percent_off": 120 }), "percent_off"),
        (json!({ "kind": "items_percent", "min_items": 1, "percent_off": 10 }), "min_items"),
        (json!({ "kind": "tiers", "tiers": [tier("100.00", "-5.00")] }), "tiers"),
        (json!({ "kind": "tiers", "tiers": [tier("10.00", "20.00")] }), "tiers"),
        (json!({ "kind": "tiers", "tiers": [tier("100.00", "10.00"), tier("50.00", "20.00")] }), "tiers"),
        (json!({ "kind": "tiers", "tiers": [] }), "tiers"),
        (json!({ "kind": "timed_price", "sku_id": other.sku, "price": "5.00" }), "sku_id"),
        (json!({ "kind": "timed_price", "sku_id": shop.sku, "price": "12.00" }), "price"),
        (json!({ "kind": "timed_price", "sku_id": shop.sku }), "price"),
    ];
    for (fields, field) in cases {
        let mut body = window(fields.clone(), -1);
        body["name"] = json!("坏活动");
        let answer = app.post_as(&shop.seller, &format!("/api/v1/seller/shops/{}/promotions", shop.shop), &body).await;
        assert_eq!(answer.status(), 422, "{fields}");
        assert_eq!(problem(answer).await["field"], field, "{fields}");
    }
    let mut backwards = tiers(true);
    backwards["ends_at"] = json!(chrono::Utc::now() - chrono::Duration::days(1));
    let answer = app.post_as(&shop.seller, &format!("/api/v1/seller/shops/{}/promotions", shop.shop), &backwards).await;
    assert_eq!(problem(answer).await["field"], "ends_at");
    // Another shop's seller may not start or end promotions here.
    let answer =
        app.post_as(&other.seller, &format!("/api/v1/seller/shops/{}/promotions", shop.shop), &tiers(true)).await;
    assert_eq!(answer.status(), 403);
    let listed = app.items_as(&shop.seller, &format!("/api/v1/seller/shops/{}/promotions", shop.shop)).await;
    assert!(listed.as_array().expect("list").is_empty(), "nothing written: {listed}");
    let real = start(&app, &shop, tiers(true)).await;
    let answer = app.post_as(&other.seller, &format!("/api/v1/seller/promotions/{}/end", real["id"]), &json!({})).await;
    assert_eq!(answer.status(), 403);
}
