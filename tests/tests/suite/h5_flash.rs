//! Flash sales on the H5 pages without JavaScript: the home page shows a live sale with its price,
//! what is left and a countdown; the sale's page buys it (a double tap with the same form buys
//! once, the buyer's limit holds on a new form) and goes on to the provider's page, and a sale
//! that has not started shows no way to buy.

use bazaar_tests::catalog::simple;
use bazaar_tests::{Backend, TestApp, fresh_phone, on_both_backends};
use serde_json::{Value, json};

on_both_backends!(a_shopper_buys_a_flash_sale_from_the_home_page_once);

async fn a_shopper_buys_a_flash_sale_from_the_home_page_once(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else { return };
    let admin = app.admin().await;
    let (seller, shop) = app.seller(&admin).await;
    let product =
        app.publish_product(&seller, &simple(shop, app.category("Snacks").await, "阳澄湖大闸蟹", "100.00", 20)).await;
    let now = chrono::Utc::now();
    let path = format!("/api/v1/seller/shops/{shop}/flash-sales");
    let live = json!({ "sku_id": product["skus"][0]["id"], "flash_price": "9.90", "quantity": 5, "per_user_limit": 1,
        "starts_at": now - chrono::Duration::minutes(1), "ends_at": now + chrono::Duration::hours(2) });
    let sale: Value = app.post_as(&seller, &path, &live).await.json().await.unwrap();
    assert!(sale["id"].is_i64(), "{sale}");

    let mut shopper = app.visitor();
    let home = shopper.get("/m/").await;
    assert!(home.body.contains(&format!("data-flash-sale=\"{}\"", sale["id"])), "{}", home.body);
    assert!(home.body.contains("¥9.90") && home.body.contains("data-countdown=") && home.body.contains("5/5"));
    let sale_path = format!("/m/flash-sales/{}", sale["id"]);
    shopper.sign_in_by_sms(&fresh_phone(), &sale_path).await;
    let csrf = shopper.cookies.get("bz_csrf").cloned().unwrap();
    let address = [
        ("csrf", csrf.as_str()),
        ("recipient", "周九"),
        ("phone", "13800138000"),
        ("province", "江苏省"),
        ("city", "苏州市"),
        ("district", "相城区"),
        ("detail", "阳澄湖镇 1 号"),
    ];
    assert_eq!(shopper.post("/m/me/addresses", &address).await.status, 303);

    let page = shopper.get(&sale_path).await;
    assert!(page.body.contains("data-buy-now"), "{}", page.body);
    let (key, address_id) = (page.field("key").unwrap(), page.field("address_id").unwrap());
    let form = [
        ("csrf", csrf.as_str()),
        ("key", key.as_str()),
        ("quantity", "1"),
        ("address_id", address_id.as_str()),
        ("provider", "alipay"),
    ];
    let bought = shopper.post(&sale_path, &form).await;
    assert_eq!(bought.status, 303, "to the provider's page: {}", bought.body);
    assert_eq!(shopper.post(&sale_path, &form).await.status, 303, "the same form again");
    let fresh = shopper.get(&sale_path).await;
    assert!(fresh.body.contains("4/5"), "one sold, once: {}", fresh.body);
    let new_key = fresh.field("key").unwrap();
    let again = [
        ("csrf", csrf.as_str()),
        ("key", new_key.as_str()),
        ("quantity", "1"),
        ("address_id", address_id.as_str()),
        ("provider", "alipay"),
    ];
    let limited = shopper.post(&sale_path, &again).await;
    assert_eq!(limited.status, 409, "one per shopper: {}", limited.body);
    assert!(limited.body.contains("class=\"panel error\""));

    // A sale that has not started: shown, not sold.
    let later = json!({ "sku_id": product["skus"][0]["id"], "flash_price": "19.90", "quantity": 5, "per_user_limit": 1,
        "starts_at": now + chrono::Duration::hours(3), "ends_at": now + chrono::Duration::hours(4) });
    let upcoming: Value = app.post_as(&seller, &path, &later).await.json().await.unwrap();
    let page = shopper.get(&format!("/m/flash-sales/{}", upcoming["id"])).await;
    assert!(page.body.contains("data-state=\"upcoming\"") && !page.body.contains("data-buy-now"), "{}", page.body);
}
