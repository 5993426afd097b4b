//! A winner's prizes on the phone without scripts (`/m/me/prizes`): a won item waits for an
//! address, chosen from the winner's own and sent in a form (a refusal shown under that prize), and
//! becomes the shop's order; once shipped the page shows the tracking number. An item to collect
//! shows its code until the shop hands it over. Nobody else can claim it.

use bazaar_tests::{Backend, TestApp, User, fresh_phone, on_both_backends};
use serde_json::{Value, json};

on_both_backends!(a_winner_claims_an_item_and_sees_it_shipped_on_the_prizes_page);

/// A draw of the shop that always gives its one item prize (to collect at the shop, or shipped).
async fn item_draw(app: &TestApp, seller: &User, shop: i64, name: &str, pickup: bool) -> Value {
    let now = chrono::Utc::now();
    let body = json!({
        "name": name, "audience": "everyone", "daily_free_chances": 1, "consolation": "谢谢参与",
        "starts_at": now - chrono::Duration::minutes(1), "ends_at": now + chrono::Duration::hours(2),
        "prizes": [{ "name": format!("{name}奖品"), "kind": "item", "value": "39.00", "weight": 1, "stock": 5, "pickup": pickup }],
    });
    let response = app.post_as(seller, &format!("/api/v1/seller/shops/{shop}/draws"), &body).await;
    assert_eq!(response.status(), 201);
    response.json().await.unwrap()
}

async fn a_winner_claims_an_item_and_sees_it_shipped_on_the_prizes_page(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else { return };
    let admin = app.admin().await;
    let (seller, shop) = app.seller(&admin).await;
    let shipped = item_draw(&app, &seller, shop, "包邮抽奖", false).await;
    let collected = item_draw(&app, &seller, shop, "到店抽奖", true).await;

    let mut phone = app.visitor();
    let signed_out = phone.get("/m/me/prizes").await;
    assert_eq!((signed_out.status, signed_out.location()), (303, "/m/login?next=%2Fm%2Fme%2Fprizes"));
    phone.sign_in_by_sms(&fresh_phone(), "/m/").await;
    let token = phone.cookies.get("bz_session").cloned().expect("signed in");
    let winner = User { id: 0, phone: String::new(), access_token: token, refresh_token: String::new() };
    assert!(phone.get("/m/me/prizes").await.body.contains("data-no-prizes"));
    assert!(phone.get("/m/me").await.body.contains("href=\"/m/me/prizes\""), "the account page links to it");

    // Won on the draw's page, which points to where it is claimed.
    let page = phone.get(&format!("/m/draws/{}", shipped["id"])).await;
    let form = [("csrf", page.field("csrf").unwrap()), ("key", page.field("key").unwrap())];
    let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let played = phone.post(&format!("/m/draws/{}/play", shipped["id"]), &form).await;
    assert!(played.body.contains("data-my-prizes"), "{}", played.body);
    let play = app.items_as(&winner, "/api/v1/me/prizes").await[0]["play_id"].clone();
    let prizes = phone.get("/m/me/prizes").await;
    assert!(prizes.body.contains("data-state=\"to_claim\"") && prizes.body.contains("data-add-address"));

    // An address first, then the form offers it (the default chosen).
    let csrf = phone.cookies.get("bz_csrf").cloned().expect("a CSRF cookie");
    let address = [
        ("csrf", csrf.as_str()),
        ("recipient", "王芳"),
        ("phone", "13800138000"),
        ("province", "浙江省"),
        ("city", "杭州市"),
        ("district", "西湖区"),
        ("detail", "文三路 90 号"),
    ];
    assert_eq!(phone.post("/m/me/addresses", &address).await.status, 303);
    let prizes = phone.get("/m/me/prizes").await;
    assert!(prizes.body.contains("data-claim-prize") && prizes.body.contains(" checked>"), "{}", prizes.body);
    let address_id = app.items_as(&winner, "/api/v1/me/addresses").await[0]["id"].to_string();
    let claim_path = format!("/m/me/prizes/{play}/claim");

    let unchosen = phone.post(&claim_path, &[("csrf", &csrf)]).await;
    assert_eq!(unchosen.status, 422);
    assert!(unchosen.body.contains(&format!("id=\"claim-{play}-error\"")), "under the prize: {}", unchosen.body);
    let mut stranger = app.visitor();
    stranger.sign_in_by_sms(&fresh_phone(), "/m/").await;
    let stranger_csrf = stranger.cookies.get("bz_csrf").cloned().expect("a CSRF cookie");
    let theirs = stranger.post(&claim_path, &[("csrf", &stranger_csrf), ("address_id", &address_id)]).await;
    assert_eq!(theirs.status, 404, "someone else's prize");

    let claimed = phone.post(&claim_path, &[("csrf", &csrf), ("address_id", &address_id)]).await;
    assert_eq!((claimed.status, claimed.location()), (303, format!("/m/me/prizes#prize-{play}").as_str()));
    let prizes = phone.get("/m/me/prizes").await;
    assert!(prizes.body.contains("data-state=\"to_ship\"") && prizes.body.contains("文三路 90 号"), "{}", prizes.body);
    let order = prizes.links().into_iter().find(|link| link.starts_with("/m/orders/")).expect("the prize's order");
    let order_page = phone.get(&order).await;
    assert_eq!(order_page.status, 200);
    assert!(order_page.body.contains("包邮抽奖奖品"), "{}", order_page.body);
    let again = phone.post(&claim_path, &[("csrf", &csrf), ("address_id", &address_id)]).await;
    assert_eq!(again.status, 409, "claimed once");
    assert!(again.body.contains(&format!("id=\"claim-{play}-error\"")));

    let ship = json!({ "tracking_number": "SF1234567890" });
    assert_eq!(app.post_as(&seller, &format!("/api/v1/seller/prizes/{play}/ship"), &ship).await.status(), 200);
    let prizes = phone.get("/m/me/prizes").await;
    assert!(prizes.body.contains("data-state=\"sent\"") && prizes.body.contains("SF1234567890"), "{}", prizes.body);

    // An item to collect: its code, until the shop hands it over.
    let page = phone.get(&format!("/m/draws/{}", collected["id"])).await;
    let form = [("csrf", page.field("csrf").unwrap()), ("key", page.field("key").unwrap())];
    let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
    assert!(phone.post(&format!("/m/draws/{}/play", collected["id"]), &form).await.body.contains("data-my-prizes"));
    let won = app.items_as(&winner, "/api/v1/me/prizes").await[0].clone();
    let code = won["pickup_code"].as_str().expect("a code").to_string();
    let prizes = phone.get("/m/me/prizes").await;
    assert!(prizes.body.contains(&format!("data-pickup-code>{code}<")), "{}", prizes.body);
    let hand_over = format!("/api/v1/seller/prizes/{}/hand-over", won["play_id"]);
    assert_eq!(app.post_as(&seller, &hand_over, &json!({ "pickup_code": code })).await.status(), 200);
    let prizes = phone.get("/m/me/prizes").await;
    assert!(prizes.body.contains("data-state=\"picked_up\"") && !prizes.body.contains("data-pickup-code"));
}
