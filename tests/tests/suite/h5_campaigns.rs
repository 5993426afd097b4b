//! The campaign pages as a phone without scripts sees them: a placement's code leads to the landing
//! page, where a signed-in shopper's scan earns the draw's chance, the campaign's coupon is
//! claimed within its budget, and the draw page shows the public odds and the commitment and
//! plays once per form; an ended campaign says so and points to the shop.

use bazaar_tests::catalog::simple;
use bazaar_tests::{Backend, PASSWORD, TestApp, User, fresh_phone, on_both_backends};
use serde_json::{Value, json};

on_both_backends!(a_scanned_poster_leads_to_the_coupon_and_the_draw, an_ended_campaign_says_so_and_points_to_the_shop);

async fn a_scanned_poster_leads_to_the_coupon_and_the_draw(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else { return };
    let admin = app.admin().await;
    let (seller, shop) = app.seller(&admin).await;
    let product = app.publish_product(&seller, &simple(shop, app.category("Snacks").await, "白茶", "50.00", 10)).await;
    let now = chrono::Utc::now();
    let coupon: Value = app
        .post_as(
            &seller,
            &format!("/api/v1/seller/shops/{shop}/coupons"),
            &json!({ "name": "扫码券", "kind": "fixed", "amount_off": "5.00", "scope": "shop",
                     "claim_starts_at": now - chrono::Duration::minutes(1), "claim_ends_at": now + chrono::Duration::days(7),
                     "valid_days": 7, "total_quantity": 100, "visibility": "issued" }),
        )
        .await
        .json()
        .await
        .unwrap();
    let campaign: Value = app
        .post_as(
            &seller,
            &format!("/api/v1/seller/shops/{shop}/campaigns"),
            &json!({ "name": "白茶节", "target": { "kind": "product", "product_id": product["id"] },
                     "starts_at": now - chrono::Duration::minutes(1), "ends_at": now + chrono::Duration::days(3),
                     "coupon_template_id": coupon["id"], "coupon_budget": 1, "points_budget": 100, "placements": [{ "name": "门口海报" }] }),
        )
        .await
        .json()
        .await
        .unwrap();
    let draw: Value = app
        .post_as(
            &seller,
            &format!("/api/v1/seller/shops/{shop}/draws"),
            &json!({ "name": "扫码抽奖", "campaign_id": campaign["id"], "audience": "everyone", "daily_free_chances": 0,
                     "scan_chances": true, "consolation": "谢谢参与",
                     "starts_at": now - chrono::Duration::minutes(1), "ends_at": now + chrono::Duration::days(1),
                     "prizes": [{ "name": "10 积分", "kind": "points", "points": 10, "weight": 1 }] }),
        )
        .await
        .json()
        .await
        .unwrap();
    let code = campaign["placements"][0]["code"].as_str().unwrap().to_string();

    let mut phone = app.visitor();
    let scanned = phone.get(&format!("/s/{code}")).await;
    assert_eq!(scanned.status, 302);
    let landing_path = scanned.location().to_string();
    assert_eq!(landing_path, format!("/m/campaigns/{}?via={code}", campaign["id"]));
    let number = fresh_phone();
    phone.sign_in_by_sms(&number, &landing_path).await;
    // The same shopper as the API knows them: the session cookie holds their access token.
    let token = phone.cookies.get("bz_session").cloned().expect("signed in");
    let buyer = User { id: 0, phone: number, access_token: token, refresh_token: String::new() };
    let landing = phone.get(&landing_path).await;
    assert_eq!(landing.status, 200);
    assert!(landing.body.contains("白茶节") && landing.body.contains(&format!("/m/products/{}", product["id"])));
    assert!(landing.body.contains(&format!("/m/draws/{}", draw["id"])));

    // The coupon, within the campaign's budget of one.
    let csrf = landing.field("csrf").unwrap();
    let claimed =
        phone.post(&format!("/m/campaigns/{}/coupon", campaign["id"]), &[("csrf", &csrf), ("via", &code)]).await;
    assert_eq!(claimed.status, 200, "{}", claimed.body);
    assert!(claimed.body.contains("data-claim-coupon") || claimed.body.contains("role=\"status\""));
    let wallet = app.items_as(&buyer, "/api/v1/me/coupons").await;
    assert_eq!(wallet.as_array().unwrap().len(), 1, "{wallet}");
    let mut second = app.visitor();
    second.sign_in_by_sms(&fresh_phone(), "/m/").await;
    let page = second.get(&format!("/m/campaigns/{}", campaign["id"])).await;
    let refused = second
        .post(
            &format!("/m/campaigns/{}/coupon", campaign["id"]),
            &[("csrf", &page.field("csrf").unwrap()), ("via", "")],
        )
        .await;
    assert_eq!(refused.status, 409, "the budget is spent");
    assert!(refused.body.contains("role=\"alert\""));

    // The draw: public odds and commitment; the scan earned one chance; one play per form.
    let page = phone.get(&format!("/m/draws/{}", draw["id"])).await;
    assert!(page.body.contains("100.00%") && page.body.contains(draw["seed_commitment"].as_str().unwrap()));
    assert!(page.body.contains("data-chances>1<"), "the scan's chance: {}", page.body);
    let form = [("csrf", page.field("csrf").unwrap()), ("key", page.field("key").unwrap())];
    let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let played = phone.post(&format!("/m/draws/{}/play", draw["id"]), &form).await;
    assert_eq!(played.status, 200);
    assert!(played.body.contains("恭喜你抽中 10 积分"), "{}", played.body);
    let again = phone.post(&format!("/m/draws/{}/play", draw["id"]), &form).await;
    assert_eq!(again.status, 200, "the same form replays its play");
    let points: Value = app.get_as(&buyer, "/api/v1/me/points").await.json().await.unwrap();
    assert_eq!(points["balance"], 10, "played once");
    // A scan counted in the funnel as a landing view and a claim.
    let funnel: Value =
        app.get_as(&seller, &format!("/api/v1/seller/campaigns/{}/funnel", campaign["id"])).await.json().await.unwrap();
    assert_eq!(
        (funnel["totals"]["coupons_claimed"].as_i64(), funnel["totals"]["draws_won"].as_i64()),
        (Some(1), Some(1))
    );
    assert!(funnel["totals"]["landing_views"].as_i64().unwrap() >= 2);

    // The console: the shop's campaigns, the funnel chart with its conversions, the QR codes, the CSV.
    let mut console = app.visitor();
    console.sign_in_with_password(&seller.phone, PASSWORD, "/seller/").await;
    let list = console.get(&format!("/seller/shops/{shop}/campaigns")).await;
    assert!(list.body.contains(&format!("/seller/campaigns/{}", campaign["id"])), "{}", list.body);
    let page = console.get(&format!("/seller/campaigns/{}", campaign["id"])).await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("data-funnel-chart") && page.body.contains("data-step=\"1\""), "{}", page.body);
    assert!(page.body.contains("data-placement-qr") && page.body.contains("<svg") && page.body.contains("门口海报"));
    let csv = console.get(&format!("/seller/campaigns/{}/funnel.csv", campaign["id"])).await;
    assert!(csv.header("content-type").starts_with("text/csv") && csv.body.contains("门口海报"), "{}", csv.body);
    let mut stranger = app.visitor();
    stranger.sign_in_by_sms(&fresh_phone(), "/m/").await;
    assert_eq!(stranger.get(&format!("/seller/campaigns/{}", campaign["id"])).await.status, 404);
}

async fn an_ended_campaign_says_so_and_points_to_the_shop(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else { return };
    let admin = app.admin().await;
    let (seller, shop) = app.seller(&admin).await;
    let now = chrono::Utc::now();
    let campaign: Value = app
        .post_as(
            &seller,
            &format!("/api/v1/seller/shops/{shop}/campaigns"),
            &json!({ "name": "去年的活动", "target": { "kind": "shop", "shop_id": shop },
                     "starts_at": now - chrono::Duration::days(30), "ends_at": now - chrono::Duration::days(1),
                     "placements": [{ "name": "旧海报" }] }),
        )
        .await
        .json()
        .await
        .unwrap();
    let mut phone = app.visitor();
    let scanned = phone.get(&format!("/s/{}", campaign["placements"][0]["code"].as_str().unwrap())).await;
    assert_eq!(scanned.status, 302, "an ended campaign's poster still opens its page");
    let page = phone.get(scanned.location()).await;
    assert_eq!(page.status, 200);
    assert!(
        page.body.contains("data-campaign-ended") && page.body.contains(&format!("/m/shops/{shop}")),
        "{}",
        page.body
    );
    assert!(!page.body.contains("data-claim-coupon"));
}
