//! A platform lucky draw as an administrator runs it and shoppers of any shop play it: only
//! administrators create, replace and read its winners; it is for everyone or for buyers of any
//! shop, and gives points, platform coupons or nothing — a follower audience or an item prize
//! (a shop ships items) is refused field by field with nothing written.

use bazaar_tests::catalog::simple;
use bazaar_tests::{Backend, TestApp, on_both_backends, problem};
use serde_json::{Value, json};

on_both_backends!(a_platform_draw_is_the_administrators_and_plays_for_buyers_of_any_shop);

fn draw(fields: Value) -> Value {
    let now = chrono::Utc::now();
    let mut base = json!({
        "name": "双十二平台抽奖", "audience": "buyers", "daily_free_chances": 1, "consolation": "谢谢参与",
        "starts_at": now - chrono::Duration::minutes(1), "ends_at": now + chrono::Duration::hours(2),
        "prizes": [{ "name": "88 积分", "kind": "points", "points": 88, "weight": 1, "stock": 5 }],
    });
    for (key, value) in fields.as_object().expect("fields") {
        base[key] = value.clone();
    }
    base
}

async fn a_platform_draw_is_the_administrators_and_plays_for_buyers_of_any_shop(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else { return };
    let admin = app.admin().await;
    let (seller, shop) = app.seller(&admin).await;
    let product = app.publish_product(&seller, &simple(shop, app.category("Snacks").await, "龙井", "30.00", 50)).await;

    assert_eq!(app.post_as(&seller, "/api/v1/admin/draws", &draw(json!({}))).await.status(), 403);
    let bad = draw(json!({ "audience": "followers",
        "prizes": [{ "name": "茶具", "kind": "item", "value": "199.00", "weight": 1, "stock": 1 }] }));
    let body = problem(app.post_as(&admin, "/api/v1/admin/draws", &bad).await).await;
    let mut fields: Vec<&str> =
        body["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap()).collect();
    fields.sort_unstable();
    assert_eq!(fields, ["audience", "prizes[0].kind"], "{body}");
    assert_eq!(app.items_as(&admin, "/api/v1/admin/draws").await, json!([]), "nothing written");

    let response = app.post_as(&admin, "/api/v1/admin/draws", &draw(json!({}))).await;
    assert_eq!(response.status(), 201);
    let created: Value = response.json().await.unwrap();
    assert!(created["shop_id"].is_null(), "{created}");
    assert_eq!(app.items_as(&admin, "/api/v1/admin/draws").await.as_array().unwrap().len(), 1);

    // Buyers of any shop: a shopper who never paid is refused, one who paid in a shop plays.
    let browser = app.register().await;
    assert_eq!(app.play_draw(&browser, &created, "p1").await.status(), 403);
    let buyer = app.register().await;
    app.paid_order(&buyer, &product, 1).await;
    let won: Value = app.play_draw(&buyer, &created, "p1").await.json().await.unwrap();
    assert_eq!((won["outcome"].as_str(), won["points"].as_i64()), (Some("won"), Some(88)), "{won}");
    let balance: Value = app.get_as(&buyer, "/api/v1/me/points").await.json().await.unwrap();
    assert_eq!(balance["balance"], 88);

    // Its winners and its rules are the administrators', not a shop's.
    let winners = format!("/api/v1/seller/draws/{}/winners", created["id"]);
    assert_eq!(app.get_as(&seller, &winners).await.status(), 404);
    assert_eq!(app.items_as(&admin, &winners).await.as_array().unwrap().len(), 1);
    let replaced = app.put_as(&seller, &format!("/api/v1/seller/draws/{}", created["id"]), &draw(json!({}))).await;
    assert_eq!(replaced.status(), 404);
    let replaced = app.put_as(&admin, &format!("/api/v1/seller/draws/{}", created["id"]), &draw(json!({}))).await;
    assert_eq!(problem(replaced).await["code"], "draw_started");
}
