//! Promotions on the H5 pages without JavaScript, and the home page's "recently viewed": a product
//! page offers its shop's coupon (with what it gives), claiming it there puts it in the wallet once
//! (a second claim is refused on the page), checkout applies it and pays part with points (too
//! many points are refused at their field, the page priced without them), and the placed order
//! carries both.

use bazaar_tests::catalog::simple;
use bazaar_tests::{Backend, TestApp, fresh_phone, on_both_backends};
use serde_json::{Value, json};

on_both_backends!(a_shopper_claims_a_coupon_on_the_product_page_and_pays_with_it_and_points);

async fn a_shopper_claims_a_coupon_on_the_product_page_and_pays_with_it_and_points(backend: Backend) {
    let Some(app) = TestApp::spawn_with(backend, |c| c.crates.promotions.check_in_points = 5_000).await else { return };
    let admin = app.admin().await;
    let (seller, shop) = app.seller(&admin).await;
    let product =
        app.publish_product(&seller, &simple(shop, app.category("Snacks").await, "蛋黄酥", "60.00", 10)).await;
    let now = chrono::Utc::now();
    let coupon = json!({ "name": "开业券", "kind": "fixed", "amount_off": "10.00", "min_spend": "50.00", "scope": "shop",
        "claim_starts_at": now - chrono::Duration::minutes(1), "claim_ends_at": now + chrono::Duration::days(7),
        "valid_days": 7, "total_quantity": 100, "per_user_limit": 1, "visibility": "public" });
    let created = app.post_as(&seller, &format!("/api/v1/seller/shops/{shop}/coupons"), &coupon).await;
    assert_eq!(created.status(), 201);
    let template: Value = created.json().await.unwrap();

    let page_path = format!("/m/products/{}", product["id"]);
    let mut shopper = app.visitor();
    shopper.sign_in_by_sms(&fresh_phone(), &page_path).await;
    let page = shopper.get(&page_path).await;
    assert!(page.body.contains(&format!("data-coupon=\"{}\"", template["id"])), "{}", page.body);
    assert!(page.body.contains("满¥50.00减¥10.00") && page.body.contains("开业券"), "what it gives: {}", page.body);
    let csrf = shopper.cookies.get("bz_csrf").cloned().unwrap();
    let product_id = product["id"].to_string();
    // The page was seen signed in: home lists it under "recently viewed" (recorded off the path).
    let mut home = shopper.get("/m/").await;
    for _ in 0..50 {
        if home.body.contains("data-recent") {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        home = shopper.get("/m/").await;
    }
    let recent = home.body.split("data-recent").nth(1).unwrap_or_default();
    assert!(recent.contains(&format!("/m/products/{product_id}")) && recent.contains("蛋黄酥"), "{}", home.body);
    let claim = format!("/m/coupons/{}/claim", template["id"]);
    let claimed = shopper.post(&claim, &[("csrf", &csrf), ("product_id", &product_id)]).await;
    assert_eq!((claimed.status, claimed.location()), (303, format!("{page_path}?claimed=1").as_str()));
    assert!(shopper.get(claimed.location()).await.body.contains("已领取"));
    let again = shopper.post(&claim, &[("csrf", &csrf), ("product_id", &product_id)]).await;
    assert!((400..500).contains(&again.status), "one per shopper: {}", again.status);
    assert!(again.body.contains("class=\"panel error\""), "the reason is on the page");

    // Points from today's check-in (the API, with the same session).
    let token = shopper.cookies.get("bz_session").cloned().unwrap();
    let checked_in = app.client.post(app.url("/api/v1/me/check-ins")).bearer_auth(&token).json(&json!({})).send().await;
    assert_eq!(checked_in.unwrap().status(), 201);
    let sku = product["skus"][0]["id"].to_string();
    let added =
        shopper.post(&format!("{page_path}/cart"), &[("csrf", &csrf), ("sku_id", &sku), ("quantity", "1")]).await;
    assert_eq!(added.status, 303, "{}", added.body);
    let address = [
        ("csrf", csrf.as_str()),
        ("recipient", "周九"),
        ("phone", "13800138000"),
        ("province", "广东省"),
        ("city", "广州市"),
        ("district", "越秀区"),
        ("detail", "北京路 9 号"),
    ];
    assert_eq!(shopper.post("/m/me/addresses", &address).await.status, 303);

    let plain = shopper.get("/m/checkout").await;
    assert!(
        plain.body.contains("data-points") && plain.body.contains("开业券"),
        "points offered, coupon applied: {}",
        plain.body
    );
    let too_many = shopper.get("/m/checkout?points=999999").await;
    assert_eq!(too_many.status, 422, "{}", too_many.body);
    assert!(too_many.body.contains("id=\"points-error\""), "refused at the points field");
    let with_points = shopper.get("/m/checkout?points=1000").await;
    assert_eq!(with_points.status, 200, "{}", with_points.body);
    assert_eq!(with_points.field("points").as_deref(), Some("1000"), "the order form carries the points");
    let key = with_points.field("key").unwrap();
    let address_id = with_points.field("address_id").unwrap();
    let form = [
        ("csrf", csrf.as_str()),
        ("key", key.as_str()),
        ("address_id", address_id.as_str()),
        ("provider", "alipay"),
        ("points", "1000"),
    ];
    let placed = shopper.post("/m/checkout", &form).await;
    assert_eq!(placed.status, 303, "{}", placed.body);
    let orders = app.client.get(app.url("/api/v1/orders")).bearer_auth(&token).send().await.unwrap();
    let orders: Value = orders.json().await.unwrap();
    let order = &orders["items"][0];
    let labels: Vec<String> = order["adjustments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["label"].as_str().unwrap_or_default().to_string())
        .collect();
    assert_eq!(order["subtotal"], "60.00", "{order}");
    assert!(labels.iter().any(|label| label.contains("开业券")), "the coupon: {labels:?}");
    assert!(labels.iter().any(|label| label.contains("1000")), "the points: {labels:?}");
    assert_eq!(order["total"], "50.00", "60 + 10 shipping - 10 coupon - 10 in points: {order}");
}
