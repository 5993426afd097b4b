//! Coupons a shop gives instead of letting buyers claim them (`issued` visibility): nobody can
//! claim or see one, the shop gives it by phone number within its quantity and per-buyer limits,
//! each number's outcome is answered, and another shop's seller cannot give it.

use bazaar_tests::{Backend, TestApp, on_both_backends};
use serde_json::{Value, json};

on_both_backends!(a_shop_gives_issued_coupons_by_phone_within_their_limits);

async fn a_shop_gives_issued_coupons_by_phone_within_their_limits(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else { return };
    let admin = app.admin().await;
    let (seller, shop) = app.seller(&admin).await;
    let (stranger, _) = app.seller(&admin).await;
    let now = chrono::Utc::now();
    let created = app
        .post_as(
            &seller,
            &format!("/api/v1/seller/shops/{shop}/coupons"),
            &json!({ "name": "老客回馈", "kind": "fixed", "amount_off": "8.00", "scope": "shop", "visibility": "issued",
                     "claim_starts_at": now - chrono::Duration::minutes(1), "claim_ends_at": now + chrono::Duration::days(7),
                     "valid_days": 7, "total_quantity": 2, "per_user_limit": 1 }),
        )
        .await;
    assert_eq!(created.status(), 201);
    let template: Value = created.json().await.expect("template");
    let (first, second, third) = (app.register().await, app.register().await, app.register().await);

    // Not claimable, not listed.
    let claimed = app.post_as(&first, &format!("/api/v1/coupons/{}/claim", template["id"]), &json!({})).await;
    assert_eq!(claimed.status(), 404);
    let listed = app.get(&format!("/api/v1/shops/{shop}/coupons")).await.json::<Value>().await.expect("list");
    assert!(listed["items"].as_array().expect("items").is_empty(), "{listed}");

    // Given by phone: the first twice (limit 1), an unknown number, then the quantity runs out.
    let issue = |phones: Value| {
        let (app, seller, id) = (&app, &seller, template["id"].clone());
        async move {
            let answer =
                app.post_as(seller, &format!("/api/v1/seller/coupons/{id}/issue"), &json!({ "phones": phones })).await;
            let status = answer.status();
            let body: Value = answer.json().await.expect("outcomes");
            assert_eq!(status, 200, "{body}");
            body["items"].as_array().expect("items").clone()
        }
    };
    let outcomes = issue(json!([first.phone, first.phone, "13900000999", second.phone, third.phone])).await;
    let refused: Vec<Option<&str>> = outcomes.iter().map(|o| o["refused"].as_str()).collect();
    assert_eq!(
        refused,
        [None, Some("claim_limit_reached"), Some("not_found"), None, Some("coupon_sold_out")],
        "{outcomes:?}"
    );
    let wallet = app.items_as(&first, "/api/v1/me/coupons").await;
    assert_eq!(wallet[0]["id"], outcomes[0]["coupon_id"], "{wallet}");
    assert!(app.items_as(&third, "/api/v1/me/coupons").await.as_array().expect("wallet").is_empty());
    // The refusals gave nothing away: exactly the quantity was issued.
    let templates = app.items_as(&seller, &format!("/api/v1/seller/shops/{shop}/coupons")).await;
    assert_eq!(templates[0]["issued"], 2, "{templates}");

    // Another shop's seller may not give it; a bad list is refused naming the field.
    let answer = app
        .post_as(
            &stranger,
            &format!("/api/v1/seller/coupons/{}/issue", template["id"]),
            &json!({ "phones": [first.phone] }),
        )
        .await;
    assert_eq!(answer.status(), 403);
    let answer = app
        .post_as(&seller, &format!("/api/v1/seller/coupons/{}/issue", template["id"]), &json!({ "phones": [] }))
        .await;
    assert_eq!(answer.status(), 422);
    assert_eq!(bazaar_tests::problem(answer).await["field"], "phones");
}
