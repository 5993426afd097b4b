//! An item prize collected at the shop: the winner gets an eight-digit code with the win (and in
//! `/me/prizes`); the shop's winners list never shows it; the shop hands the prize over only on the
//! right code, once.

use bazaar_tests::{Backend, TestApp, on_both_backends, problem};
use serde_json::{Value, json};

on_both_backends!(an_item_to_collect_is_handed_over_on_the_winners_code_once);

async fn an_item_to_collect_is_handed_over_on_the_winners_code_once(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else { return };
    let admin = app.admin().await;
    let (seller, shop) = app.seller(&admin).await;
    let now = chrono::Utc::now();
    let body = json!({
        "name": "到店领奖", "audience": "everyone", "daily_free_chances": 1, "consolation": "谢谢参与",
        "starts_at": now - chrono::Duration::minutes(1), "ends_at": now + chrono::Duration::hours(2),
        "prizes": [{ "name": "保温杯", "kind": "item", "value": "59.00", "weight": 1, "stock": 1, "pickup": true }],
    });
    let response = app.post_as(&seller, &format!("/api/v1/seller/shops/{shop}/draws"), &body).await;
    assert_eq!(response.status(), 201);
    let draw: Value = response.json().await.unwrap();
    assert_eq!(draw["prizes"][0]["pickup"], true);

    let winner = app.register().await;
    let won = app.played_draw(&winner, &draw, "pick-1").await;
    assert_eq!((won["outcome"].as_str(), won["fulfilment"].as_str()), (Some("won"), Some("to_pick_up")), "{won}");
    let code = won["pickup_code"].as_str().expect("a pickup code").to_string();
    assert!(code.len() == 8 && code.bytes().all(|b| b.is_ascii_digit()), "{code}");
    let mine = app.items_as(&winner, "/api/v1/me/prizes").await;
    assert_eq!(mine[0]["pickup_code"], code.as_str());
    let claim =
        app.post_as(&winner, &format!("/api/v1/me/prizes/{}/claim", won["id"]), &json!({ "address_id": 1 })).await;
    assert_eq!(problem(claim).await["code"], "prize_not_claimable", "nothing to ship");

    let winners = app.items_as(&seller, &format!("/api/v1/seller/draws/{}/winners", draw["id"])).await;
    assert_eq!(winners[0]["fulfilment"], "to_pick_up");
    assert!(winners[0]["pickup_code"].is_null(), "the shop never reads the code: {winners}");

    let path = format!("/api/v1/seller/prizes/{}/hand-over", won["id"]);
    let wrong = if code == "00000000" { "11111111" } else { "00000000" };
    let refused = problem(app.post_as(&seller, &path, &json!({ "pickup_code": wrong })).await).await;
    assert_eq!(refused["field"], "pickup_code", "{refused}");
    let (other, _) = app.seller(&admin).await;
    assert_eq!(app.post_as(&other, &path, &json!({ "pickup_code": code })).await.status(), 404);
    assert_eq!(app.post_as(&seller, &path, &json!({ "pickup_code": code })).await.status(), 200);
    let again = problem(app.post_as(&seller, &path, &json!({ "pickup_code": code })).await).await;
    assert_eq!(again["code"], "prize_not_for_pickup");
    let mine = app.items_as(&winner, "/api/v1/me/prizes").await;
    assert_eq!(mine[0]["fulfilment"], "picked_up");
}
