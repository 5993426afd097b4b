//! Lucky draws (抽奖) as a shop and a crowd of shoppers use them: a rush wins exactly the prize
//! stock and plays no more chances than were earned, a retried play returns its outcome, the
//! revealed seed recomputes every outcome by the published rule, prizes reach the wallet, the
//! ledger and the winners' list, and bad draws are refused field by field with nothing written.

use bazaar_tests::catalog::simple;
use bazaar_tests::{Backend, TestApp, User, on_both_backends, problem};
use futures_util::future::join_all;
use hmac::{Hmac, KeyInit, Mac};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use std::time::Duration;

on_both_backends!(
    a_rush_wins_exactly_the_stock_and_the_revealed_seed_recomputes_every_play,
    prizes_reach_the_wallet_the_ledger_and_the_winners_list,
    a_scan_earns_one_chance_per_placement_per_day_and_points_buy_one_once,
    bad_draws_are_refused_field_by_field_and_a_started_draw_cannot_change,
);

struct Shop {
    seller: User,
    shop: i64,
}

async fn shop(app: &TestApp) -> Shop {
    let admin = app.admin().await;
    let (seller, shop) = app.seller(&admin).await;
    Shop { seller, shop }
}

fn draw(fields: Value) -> Value {
    let now = chrono::Utc::now();
    let mut base = json!({
        "name": "开业大吉抽奖", "audience": "everyone", "daily_free_chances": 1, "consolation": "谢谢参与",
        "starts_at": now - chrono::Duration::minutes(1), "ends_at": now + chrono::Duration::hours(2),
        "prizes": [{ "name": "谢谢参与", "kind": "none", "weight": 1 }],
    });
    for (key, value) in fields.as_object().expect("fields") {
        base[key] = value.clone();
    }
    base
}

async fn create(app: &TestApp, shop: &Shop, body: &Value) -> Value {
    let response = app.post_as(&shop.seller, &format!("/api/v1/seller/shops/{}/draws", shop.shop), body).await;
    let status = response.status();
    let body: Value = response.json().await.expect("draw");
    assert_eq!(status, 201, "{body}");
    body
}

/// What an auditor computes from the revealed seed, by the documented rule.
fn recompute(seed: &str, draw: i64, play: i64, user: i64, weights: &[i64]) -> usize {
    let mut mac = Hmac::<Sha256>::new_from_slice(&hex::decode(seed).expect("hex seed")).expect("key");
    mac.update(format!("{draw}:{play}:{user}").as_bytes());
    let bytes = mac.finalize().into_bytes();
    let roll = u64::from_be_bytes(bytes[..8].try_into().expect("8 bytes"));
    let slot = roll % weights.iter().sum::<i64>() as u64;
    let mut running = 0;
    weights
        .iter()
        .position(|w| {
            running += *w as u64;
            slot < running
        })
        .expect("a prize")
}

async fn a_rush_wins_exactly_the_stock_and_the_revealed_seed_recomputes_every_play(backend: Backend) {
    let Some(app) = TestApp::spawn_with(backend, |c| c.db_acquire_timeout_ms = 60_000).await else { return };
    let shop = shop(&app).await;
    let ends_at = chrono::Utc::now() + chrono::Duration::seconds(50);
    let draw = create(
        &app,
        &shop,
        &draw(json!({
            "daily_free_chances": 10, "ends_at": ends_at,
            "prizes": [
                { "name": "一等奖 蓝牙音箱", "kind": "item", "value": "199.00", "weight": 50, "stock": 10 },
                { "name": "谢谢参与", "kind": "none", "weight": 50 },
            ],
        })),
    )
    .await;
    assert!(draw["seed"].is_null(), "the seed stays secret while the draw runs: {draw}");
    let audit = app.get(&format!("/api/v1/draws/{}/audit", draw["id"])).await;
    assert_eq!(problem(audit).await["code"], "draw_not_ended");

    // 100 shoppers with 10 chances each play 11 times at once: 1100 requests for 1000 chances.
    let crowd = join_all((0..100).map(|_| app.register())).await;
    let sent = join_all(crowd.iter().enumerate().flat_map(|(u, user)| {
        let app = &app;
        let draw = &draw;
        (0..11).map(move |n| async move { (u, n, app.play_draw(user, draw, &format!("rush-{u}-{n}")).await) })
    }))
    .await;
    let mut plays = Vec::new();
    let mut refused = 0;
    for (u, n, response) in sent {
        match response.status().as_u16() {
            200 => plays.push((u, n, response.json::<Value>().await.expect("play"))),
            409 => {
                let body = problem(response).await;
                assert_eq!(body["code"], "no_chances", "{body}");
                refused += 1;
            }
            other => panic!("play answered {other}: {}", response.text().await.unwrap_or_default()),
        }
    }
    assert_eq!((plays.len(), refused), (1000, 100), "each shopper plays exactly the 10 chances earned");
    let won = plays.iter().filter(|(_, _, play)| play["outcome"] == "won").count();
    assert_eq!(won, 10, "exactly the stock is won");
    let public: Value = app.get(&format!("/api/v1/draws/{}", draw["id"])).await.json().await.expect("draw");
    assert_eq!((public["prizes"][0]["remaining"].as_i64(), public["prizes"][0]["won"].as_i64()), (Some(0), Some(10)));

    // A retried play returns the same outcome and uses no chance.
    let (u, n, first) = &plays[0];
    let again = app.played_draw(&crowd[*u], &draw, &format!("rush-{u}-{n}")).await;
    assert_eq!(
        (&again["id"], &again["outcome"], &again["prize_id"]),
        (&first["id"], &first["outcome"], &first["prize_id"])
    );

    // After the end: the seed matches its commitment and recomputes every play.
    let wait = (ends_at - chrono::Utc::now()).to_std().unwrap_or_default() + Duration::from_secs(1);
    tokio::time::sleep(wait).await;
    let audit: Value = app.get(&format!("/api/v1/draws/{}/audit", draw["id"])).await.json().await.expect("audit");
    let seed = audit["draw"]["seed"].as_str().expect("the seed is revealed");
    assert_eq!(hex::encode(Sha256::digest(hex::decode(seed).unwrap())), draw["seed_commitment"].as_str().unwrap());
    let prizes = audit["draw"]["prizes"].as_array().expect("prizes");
    let weights: Vec<i64> = prizes.iter().map(|p| p["weight"].as_i64().unwrap()).collect();
    let audited = audit["plays"].as_array().expect("plays");
    assert_eq!(audited.len(), 1000);
    let mut sold_out = 0;
    for play in audited {
        let drawn = recompute(
            seed,
            draw["id"].as_i64().unwrap(),
            play["play_id"].as_i64().unwrap(),
            play["user_id"].as_i64().unwrap(),
            &weights,
        );
        assert_eq!(play["drawn_prize_id"], prizes[drawn]["id"], "{play}");
        match play["outcome"].as_str() {
            Some("won") => assert_eq!(play["prize_id"], prizes[drawn]["id"]),
            Some("sold_out") => {
                // Only a prize that had run out falls back, and never to another prize.
                assert_eq!(drawn, 0);
                assert!(play["prize_id"].is_null());
                sold_out += 1;
            }
            _ => assert_eq!(prizes[drawn]["kind"], "none"),
        }
    }
    assert!(sold_out > 0, "with 1000 plays at even odds the prize ran out");
}

async fn prizes_reach_the_wallet_the_ledger_and_the_winners_list(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else { return };
    let shop = shop(&app).await;
    let now = chrono::Utc::now();
    let coupon: Value = app
        .post_as(
            &shop.seller,
            &format!("/api/v1/seller/shops/{}/coupons", shop.shop),
            &json!({ "name": "抽奖券", "kind": "fixed", "amount_off": "5.00", "scope": "shop",
                     "claim_starts_at": now - chrono::Duration::minutes(1), "claim_ends_at": now + chrono::Duration::days(7),
                     "valid_days": 7, "total_quantity": 10, "visibility": "issued" }),
        )
        .await
        .json()
        .await
        .expect("coupon");
    let points = create(
        &app,
        &shop,
        &draw(json!({ "prizes": [{ "name": "50 积分", "kind": "points", "points": 50, "weight": 1 }] })),
    )
    .await;
    let coupons = create(
        &app,
        &shop,
        &draw(json!({ "prizes": [{ "name": "5 元券", "kind": "coupon", "coupon_template_id": coupon["id"], "weight": 1 }] })),
    )
    .await;
    let items = create(
        &app,
        &shop,
        &draw(json!({ "prizes": [{ "name": "保温杯", "kind": "item", "value": "59.00", "weight": 1, "stock": 1 }] })),
    )
    .await;
    let winner = app.register().await;

    let won = app.played_draw(&winner, &points, "p1").await;
    assert_eq!((won["outcome"].as_str(), won["points"].as_i64()), (Some("won"), Some(50)));
    let balance: Value = app.get_as(&winner, "/api/v1/me/points").await.json().await.expect("points");
    assert_eq!(balance["balance"], 50);
    // The one free chance of the day is used: no second play.
    assert_eq!(problem(app.play_draw(&winner, &points, "p2").await).await["code"], "no_chances");

    let won = app.played_draw(&winner, &coupons, "c1").await;
    assert_eq!(won["outcome"], "won");
    let wallet = app.items_as(&winner, "/api/v1/me/coupons").await;
    assert!(wallet.as_array().unwrap().iter().any(|c| c["id"] == won["coupon_id"]), "{wallet}");

    let won = app.played_draw(&winner, &items, "i1").await;
    assert_eq!((won["outcome"].as_str(), won["fulfilment"].as_str()), (Some("won"), Some("to_claim")));
    let late = app.register().await;
    let consolation = app.played_draw(&late, &items, "i2").await;
    assert_eq!(
        (consolation["outcome"].as_str(), consolation["consolation"].as_str()),
        (Some("sold_out"), Some("谢谢参与"))
    );

    let address: Value = app
        .post_as(
            &winner,
            "/api/v1/me/addresses",
            &json!({ "recipient": "周九", "phone": winner.phone, "province": "浙江省",
                 "city": "杭州市", "district": "西湖区", "detail": "文三路 1 号" }),
        )
        .await
        .json()
        .await
        .expect("address");
    let claim = json!({ "address_id": address["id"] });
    let response = app.post_as(&late, &format!("/api/v1/me/prizes/{}/claim", won["id"]), &claim).await;
    assert_eq!(response.status(), 404, "someone else's prize is not there");
    let response = app.post_as(&winner, &format!("/api/v1/me/prizes/{}/claim", won["id"]), &claim).await;
    assert_eq!(response.status(), 200);
    let claimed: Value = response.json().await.expect("claimed");
    let response = app.post_as(&winner, &format!("/api/v1/me/prizes/{}/claim", won["id"]), &claim).await;
    assert_eq!(problem(response).await["code"], "prize_not_claimable");
    // The prize is an order of the shop: nothing to pay, waiting to be shipped, nothing to refund.
    let order = app.order(&winner, claimed["order_id"].as_i64().expect("the prize's order")).await;
    assert_eq!((order["status"].as_str(), order["total"].as_str()), (Some("paid"), Some("0.00")), "{order}");
    assert_eq!(order["shop_id"], json!(shop.shop));
    let to_ship = app.items_as(&shop.seller, &format!("/api/v1/seller/orders?shop_id={}&status=paid", shop.shop)).await;
    assert!(to_ship.as_array().unwrap().iter().any(|o| o["id"] == claimed["order_id"]), "{to_ship}");
    let refund = json!({ "reason": "不想要了" });
    let response =
        app.post_as(&winner, &format!("/api/v1/orders/{}/refund-requests", claimed["order_id"]), &refund).await;
    assert_eq!(problem(response).await["code"], "nothing_to_refund");

    let winners = app.items_as(&shop.seller, &format!("/api/v1/seller/draws/{}/winners", items["id"])).await;
    let phone = winners[0]["phone"].as_str().unwrap();
    assert!(phone.contains("****") && !phone.contains(&winner.phone[3..]), "{phone}");
    assert_eq!(winners[0]["fulfilment"], "to_ship");
    let ship = json!({ "tracking_number": "SF1234567890" });
    let response = app.post_as(&late, &format!("/api/v1/seller/prizes/{}/ship", won["id"]), &ship).await;
    assert_eq!(response.status(), 404, "only the shop ships");
    let response = app.post_as(&shop.seller, &format!("/api/v1/seller/prizes/{}/ship", won["id"]), &ship).await;
    assert_eq!(response.status(), 200);
    let mine = app.items_as(&winner, "/api/v1/me/prizes").await;
    let item = mine.as_array().unwrap().iter().find(|p| p["play_id"] == won["id"]).cloned().expect("the item prize");
    assert_eq!((item["fulfilment"].as_str(), item["tracking_number"].as_str()), (Some("sent"), Some("SF1234567890")));
    assert_eq!(item["order_id"], claimed["order_id"]);
    let order = app.order(&winner, claimed["order_id"].as_i64().unwrap()).await;
    assert_eq!((order["status"].as_str(), order["tracking_number"].as_str()), (Some("shipped"), Some("SF1234567890")));
    // A retry after a lost answer: the prize stays sent, the order is not shipped twice.
    let retried = app.post_as(&shop.seller, &format!("/api/v1/seller/prizes/{}/ship", won["id"]), &ship).await;
    assert_eq!(retried.status(), 200);
    let again = app.order(&winner, claimed["order_id"].as_i64().unwrap()).await;
    assert_eq!(again["events"].as_array().map(Vec::len), order["events"].as_array().map(Vec::len), "{again}");
    let other = json!({ "tracking_number": "YT0000000001" });
    let response = app.post_as(&shop.seller, &format!("/api/v1/seller/prizes/{}/ship", won["id"]), &other).await;
    assert_eq!(problem(response).await["code"], "prize_not_shippable", "another shipment of a sent prize");
    assert_eq!(mine.as_array().unwrap().len(), 3, "three prizes won: {mine}");
}

async fn earn(app: &TestApp, user: &User, draw: &Value, body: &Value, key: &str) -> reqwest::Response {
    app.client
        .post(app.url(&format!("/api/v1/draws/{}/chances", draw["id"])))
        .bearer_auth(&user.access_token)
        .header("idempotency-key", key)
        .json(body)
        .send()
        .await
        .expect("earn a chance")
}

async fn a_scan_earns_one_chance_per_placement_per_day_and_points_buy_one_once(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else { return };
    let shop = shop(&app).await;
    let product =
        app.publish_product(&shop.seller, &simple(shop.shop, app.category("Snacks").await, "龙井", "88.00", 10)).await;
    let now = chrono::Utc::now();
    let campaign: Value = app
        .post_as(
            &shop.seller,
            &format!("/api/v1/seller/shops/{}/campaigns", shop.shop),
            &json!({ "name": "春茶季", "target": { "kind": "product", "product_id": product["id"] },
                     "starts_at": now - chrono::Duration::minutes(1), "ends_at": now + chrono::Duration::days(3),
                     "placements": [{ "name": "门口海报" }, { "name": "包裹传单" }] }),
        )
        .await
        .json()
        .await
        .expect("campaign");
    let draw = create(
        &app,
        &shop,
        &draw(json!({ "campaign_id": campaign["id"], "daily_free_chances": 0, "scan_chances": true, "points_per_chance": 5 })),
    )
    .await;
    let shopper = app.register().await;
    let poster = json!({ "source": "scan", "code": campaign["placements"][0]["code"] });
    let keys: Vec<String> = (0..20).map(|i| format!("scan-{i}")).collect();
    let answers = join_all(keys.iter().map(|key| earn(&app, &shopper, &draw, &poster, key))).await;
    for answer in answers {
        assert_eq!(answer.status(), 200);
    }
    let chances: Value =
        app.get_as(&shopper, &format!("/api/v1/draws/{}/chances", draw["id"])).await.json().await.unwrap();
    assert_eq!(chances["chances"], 1, "twenty scans of one poster on one day: one chance");
    let flyer = json!({ "source": "scan", "code": campaign["placements"][1]["code"] });
    let earned: Value = earn(&app, &shopper, &draw, &flyer, "scan-flyer").await.json().await.unwrap();
    assert_eq!(earned["chances"], 2, "another placement is another chance");
    let foreign = json!({ "source": "scan", "code": "AAAAAAAA" });
    let body = problem(earn(&app, &shopper, &draw, &foreign, "scan-x").await).await;
    assert_eq!((body["code"].as_str(), body["field"].as_str()), (Some("invalid_field"), Some("code")));
    app.played_draw(&shopper, &draw, "a").await;
    app.played_draw(&shopper, &draw, "b").await;
    assert_eq!(problem(app.play_draw(&shopper, &draw, "c").await).await["code"], "no_chances");

    // Points: refused without the balance, then bought once per key.
    let body = problem(earn(&app, &shopper, &draw, &json!({ "source": "points" }), "pts").await).await;
    assert_eq!(body["field"], "points", "{body}");
    let check_in = app.post_as(&shopper, "/api/v1/me/check-ins", &json!({})).await;
    assert!(check_in.status().is_success(), "check-in: {}", check_in.status());
    let first: Value = earn(&app, &shopper, &draw, &json!({ "source": "points" }), "pts").await.json().await.unwrap();
    let again: Value = earn(&app, &shopper, &draw, &json!({ "source": "points" }), "pts").await.json().await.unwrap();
    assert_eq!((first["chances"].as_i64(), again["chances"].as_i64()), (Some(1), Some(1)));
    let balance: Value = app.get_as(&shopper, "/api/v1/me/points").await.json().await.unwrap();
    assert_eq!(balance["balance"], 0, "the retried purchase took the points once");
}

async fn bad_draws_are_refused_field_by_field_and_a_started_draw_cannot_change(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else { return };
    let shop = shop(&app).await;
    let other = shop_of_another(&app).await;
    let now = chrono::Utc::now();
    let bad = draw(json!({
        "starts_at": now + chrono::Duration::hours(2), "ends_at": now + chrono::Duration::hours(1),
        "prizes": [
            { "name": "豪车", "kind": "item", "value": "50000.01", "weight": 1, "stock": 1 },
            { "name": "零权重", "kind": "none", "weight": 0 },
            { "name": "负库存", "kind": "points", "points": 10, "weight": 1, "stock": -1 },
            { "name": "别家的券", "kind": "coupon", "coupon_template_id": other, "weight": 1 },
        ],
        "scan_chances": true,
    }));
    let response = app.post_as(&shop.seller, &format!("/api/v1/seller/shops/{}/draws", shop.shop), &bad).await;
    assert_eq!(response.status(), 422);
    let body = problem(response).await;
    let mut fields: Vec<&str> =
        body["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap()).collect();
    fields.sort_unstable();
    assert_eq!(
        fields,
        [
            "ends_at",
            "prizes[0].value",
            "prizes[1].weight",
            "prizes[2].stock",
            "prizes[3].coupon_template_id",
            "scan_chances"
        ],
        "{body}"
    );
    assert_eq!(app.items_as(&shop.seller, &format!("/api/v1/seller/shops/{}/draws", shop.shop)).await, json!([]));

    // Before its start a draw may be replaced; once started its odds are fixed.
    let upcoming = create(&app, &shop, &draw(json!({ "starts_at": now + chrono::Duration::hours(1) }))).await;
    let changed = draw(json!({ "starts_at": now + chrono::Duration::hours(1),
        "prizes": [{ "name": "10 积分", "kind": "points", "points": 10, "weight": 3 }] }));
    let response = app.put_as(&shop.seller, &format!("/api/v1/seller/draws/{}", upcoming["id"]), &changed).await;
    assert_eq!(response.status(), 200);
    let replaced: Value = response.json().await.unwrap();
    assert_eq!(
        (replaced["prizes"][0]["weight"].as_i64(), &replaced["seed_commitment"]),
        (Some(3), &upcoming["seed_commitment"])
    );
    let running = create(&app, &shop, &draw(json!({}))).await;
    let response = app
        .put_as(
            &shop.seller,
            &format!("/api/v1/seller/draws/{}", running["id"]),
            &draw(json!({
        "prizes": [{ "name": "10 积分", "kind": "points", "points": 10, "weight": 3 }] })),
        )
        .await;
    assert_eq!(problem(response).await["code"], "draw_started");
    let unchanged: Value = app.get(&format!("/api/v1/draws/{}", running["id"])).await.json().await.unwrap();
    assert_eq!(unchanged["prizes"], running["prizes"]);
    let stranger = app.register().await;
    let response = app.put_as(&stranger, &format!("/api/v1/seller/draws/{}", upcoming["id"]), &changed).await;
    assert_eq!(response.status(), 404);
}

/// A coupon template of another shop.
async fn shop_of_another(app: &TestApp) -> Value {
    let other = shop(app).await;
    let now = chrono::Utc::now();
    let coupon: Value = app
        .post_as(
            &other.seller,
            &format!("/api/v1/seller/shops/{}/coupons", other.shop),
            &json!({ "name": "别家券", "kind": "fixed", "amount_off": "5.00", "scope": "shop",
                     "claim_starts_at": now, "claim_ends_at": now + chrono::Duration::days(7),
                     "valid_days": 7, "total_quantity": 10, "visibility": "public" }),
        )
        .await
        .json()
        .await
        .expect("coupon");
    coupon["id"].clone()
}
