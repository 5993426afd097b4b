//! "New customers only" coupons: a buyer who has paid for an order of the shop is refused; one who
//! paid only elsewhere, or only won the shop's prize (a prize order, nothing paid), is still new.
//! Promotions keeps who has bought where, written in the payment's own transaction.

use bazaar_tests::catalog::simple;
use bazaar_tests::{Backend, TestApp, User, on_both_backends, problem};
use serde_json::{Value, json};

on_both_backends!(only_buyers_who_never_paid_the_shop_claim_a_new_customer_coupon);

async fn claim(app: &TestApp, buyer: &User, template: &Value) -> reqwest::Response {
    app.post_as(buyer, &format!("/api/v1/coupons/{}/claim", template["id"]), &json!({})).await
}

async fn only_buyers_who_never_paid_the_shop_claim_a_new_customer_coupon(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else { return };
    let admin = app.admin().await;
    let (seller, shop) = app.seller(&admin).await;
    let (other_seller, other_shop) = app.seller(&admin).await;
    let snacks = app.category("Snacks").await;
    let product = app.publish_product(&seller, &simple(shop, snacks, "绿豆糕", "20.00", 50)).await;
    let elsewhere = app.publish_product(&other_seller, &simple(other_shop, snacks, "米饼", "8.00", 50)).await;
    let now = chrono::Utc::now();
    let welcome: Value = app
        .post_as(
            &seller,
            &format!("/api/v1/seller/shops/{shop}/coupons"),
            &json!({ "name": "新客券", "kind": "fixed", "amount_off": "5.00", "scope": "shop", "new_customers_only": true,
                     "claim_starts_at": now - chrono::Duration::minutes(1), "claim_ends_at": now + chrono::Duration::days(7),
                     "valid_days": 7, "total_quantity": 100, "visibility": "public" }),
        )
        .await
        .json()
        .await
        .unwrap();

    let customer = app.register().await;
    app.paid_order(&customer, &product, 1).await;
    let refused = problem(claim(&app, &customer, &welcome).await).await;
    assert_eq!(refused["code"], "new_customers_only", "{refused}");

    let shopped_elsewhere = app.register().await;
    app.paid_order(&shopped_elsewhere, &elsewhere, 1).await;
    assert_eq!(claim(&app, &shopped_elsewhere, &welcome).await.status(), 201, "a customer of another shop");

    // A prize order is placed paid, but nothing was paid: its winner is still new here.
    let draw: Value = app
        .post_as(
            &seller,
            &format!("/api/v1/seller/shops/{shop}/draws"),
            &json!({ "name": "新店抽奖", "audience": "everyone", "daily_free_chances": 1, "consolation": "谢谢参与",
                     "starts_at": now - chrono::Duration::minutes(1), "ends_at": now + chrono::Duration::hours(2),
                     "prizes": [{ "name": "帆布袋", "kind": "item", "value": "19.00", "weight": 1, "stock": 3 }] }),
        )
        .await
        .json()
        .await
        .unwrap();
    let winner = app.register().await;
    let won = app.played_draw(&winner, &draw, "welcome-1").await;
    let address = app.add_address(&winner).await;
    let claimed = app
        .post_as(&winner, &format!("/api/v1/me/prizes/{}/claim", won["id"]), &json!({ "address_id": address }))
        .await;
    assert_eq!(claimed.status(), 200);
    assert_eq!(claim(&app, &winner, &welcome).await.status(), 201, "a prize winner who never paid");
}
