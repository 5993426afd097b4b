//! QR-code campaigns as a shop, its shoppers and a scanner meet them: a placement's short link
//! sends a phone to the landing page and counts it (bots and link previews not), never leaves the
//! allow-list, dies when turned off; its QR code reads back as the link; orders after a scan are
//! credited once and a refund moves from the funnel's orders to its refunds; bad campaigns are
//! refused field by field with nothing written.

use bazaar_tests::catalog::simple;
use bazaar_tests::{Backend, TestApp, User, on_both_backends, problem};
use serde_json::{Value, json};
use std::time::Duration;

on_both_backends!(
    an_order_after_the_attribution_window_is_not_credited,
    a_placement_link_counts_real_visits_and_never_leaves_the_allow_list,
    a_placements_qr_code_reads_back_as_its_short_link,
    orders_after_a_scan_are_credited_once_and_a_refund_leaves_the_orders,
    bad_campaigns_are_refused_field_by_field_with_nothing_written,
    signing_in_after_a_scan_credits_a_later_order_from_the_app,
);

const PHONE: &str =
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 Mobile MicroMessenger/8.0.50";

struct Shop {
    seller: User,
    shop: i64,
    product: Value,
}

async fn shop(app: &TestApp, admin: &User) -> Shop {
    let (seller, shop) = app.seller(admin).await;
    let product =
        app.publish_product(&seller, &simple(shop, app.category("Snacks").await, "碧螺春", "60.00", 100)).await;
    Shop { seller, shop, product }
}

fn campaign_body(product: &Value, fields: Value) -> Value {
    let now = chrono::Utc::now();
    let mut base = json!({
        "name": "春茶上新", "target": { "kind": "product", "product_id": product["id"] },
        "starts_at": now - chrono::Duration::minutes(1), "ends_at": now + chrono::Duration::days(7),
        "placements": [{ "name": "门口海报" }, { "name": "包裹传单" }],
    });
    for (key, value) in fields.as_object().expect("fields") {
        base[key] = value.clone();
    }
    base
}

async fn start(app: &TestApp, shop: &Shop, body: &Value) -> Value {
    let response = app.post_as(&shop.seller, &format!("/api/v1/seller/shops/{}/campaigns", shop.shop), body).await;
    let status = response.status();
    let body: Value = response.json().await.expect("campaign");
    assert_eq!(status, 201, "{body}");
    body
}

async fn scan(app: &TestApp, code: &Value, user_agent: &str, cookie: &str) -> reqwest::Response {
    app.client
        .get(app.url(&format!("/s/{}", code.as_str().expect("code"))))
        .header("user-agent", user_agent)
        .header("cookie", cookie)
        .send()
        .await
        .expect("scan")
}

async fn funnel(app: &TestApp, shop: &Shop, campaign: &Value) -> Value {
    app.get_as(&shop.seller, &format!("/api/v1/seller/campaigns/{}/funnel", campaign["id"]))
        .await
        .json()
        .await
        .expect("funnel")
}

/// The funnel once `check` holds (visits and credits are written off the request's path).
async fn funnel_when(app: &TestApp, shop: &Shop, campaign: &Value, check: impl Fn(&Value) -> bool) -> Value {
    let mut last = Value::Null;
    for _ in 0..200 {
        app.app_state.campaigns.flush_visits().await;
        last = funnel(app, shop, campaign).await;
        if check(&last["totals"]) {
            return last;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("the funnel never got there: {last}");
}

async fn a_placement_link_counts_real_visits_and_never_leaves_the_allow_list(backend: Backend) {
    let Some(app) = TestApp::spawn_with(backend, |c| {
        c.crates.campaigns.short_link_allowed_hosts = vec!["partner.example.com".into()];
    })
    .await
    else {
        return;
    };
    let admin = app.admin().await;
    let shop = shop(&app, &admin).await;
    let campaign = start(&app, &shop, &campaign_body(&shop.product, json!({}))).await;
    let poster = &campaign["placements"][0];
    let code = &poster["code"];
    assert_eq!(poster["short_url"], format!("{}/s/{}", app.url("").trim_end_matches('/'), code.as_str().unwrap()));

    let first = scan(&app, code, PHONE, "").await;
    assert_eq!(first.status(), 302);
    let landing = format!("/m/campaigns/{}?via={}", campaign["id"], code.as_str().unwrap());
    assert_eq!(first.headers()["location"], landing.as_str());
    assert_eq!(first.headers()["cache-control"], "no-store");
    let cookie = first.headers()["set-cookie"].to_str().unwrap().to_string();
    assert!(cookie.starts_with("bz_v=") && cookie.contains("HttpOnly"), "{cookie}");
    let visitor = cookie.split(';').next().unwrap().to_string();
    assert_eq!(scan(&app, code, PHONE, &visitor).await.status(), 302);
    assert!(scan(&app, code, PHONE, &visitor).await.headers().get("set-cookie").is_none(), "the cookie is kept");
    // A chat app's link preview and a HEAD are followed but not counted.
    assert_eq!(scan(&app, code, "WhatsApp/2.24.1 A", "").await.status(), 302);
    let head = app
        .client
        .head(app.url(&format!("/s/{}", code.as_str().unwrap())))
        .header("user-agent", PHONE)
        .send()
        .await
        .unwrap();
    assert_eq!(head.status(), 302);
    let counted = funnel_when(&app, &shop, &campaign, |t| t["visits"] == 3).await;
    assert_eq!(counted["totals"]["visitors"], 1, "one phone is one visitor: {counted}");
    assert_eq!(counted["rows"][0]["placement"], "门口海报");
    let view: Value =
        app.get_as(&shop.seller, &format!("/api/v1/seller/campaigns/{}", campaign["id"])).await.json().await.unwrap();
    assert_eq!(view["placements"][0]["visits"], 3);

    // Unknown and malformed codes: the friendly page, never a redirect.
    let unknown = scan(&app, &json!("ZZZZZZZZ"), PHONE, "").await;
    assert_eq!(unknown.status(), 404);
    assert!(unknown.headers()["content-type"].to_str().unwrap().starts_with("text/html"));
    let flyer = &campaign["placements"][1];
    let path = format!("/api/v1/seller/campaigns/{}/placements/{}", campaign["id"], flyer["id"]);
    let response = app.patch_as(&shop.seller, &path, &json!({ "disabled": true })).await;
    assert_eq!(response.status(), 200);
    let dead = scan(&app, &flyer["code"], PHONE, "").await;
    assert_eq!(dead.status(), 410, "a link turned off shows that it ended");
    assert!(dead.headers().get("location").is_none());
    let stranger = app.register().await;
    assert_eq!(app.patch_as(&stranger, &path, &json!({ "disabled": false })).await.status(), 404);
    // Only GET and HEAD follow a link; the rest is 405 with the methods it takes.
    let posted = app.client.post(app.url(&format!("/s/{}", code.as_str().unwrap()))).send().await.unwrap();
    assert_eq!((posted.status().as_u16(), posted.headers()["allow"].to_str().unwrap()), (405, "GET, HEAD"));
    assert_eq!(problem(posted).await["code"], "method_not_allowed");
    // Operators see the follows in the metrics, redirects and dead links apart.
    let metrics = app.get_as(&admin, "/metrics").await.text().await.unwrap();
    assert!(metrics.contains("bazaar_short_link_follows_total{outcome=\"redirect\"} 5"), "{metrics}");
    assert!(metrics.contains("bazaar_short_link_follows_total{outcome=\"dead\"} 2"), "{metrics}");

    // A limited print run: the link ends after its counted visits (a preview does not count).
    let limited = campaign_body(&shop.product, json!({ "placements": [{ "name": "限量海报", "max_visits": 2 }] }));
    let limited = start(&app, &shop, &limited).await;
    assert_eq!(limited["placements"][0]["max_visits"], 2);
    let code = &limited["placements"][0]["code"];
    assert_eq!(scan(&app, code, "WhatsApp/2.24.1 A", "").await.status(), 302);
    for _ in 0..2 {
        assert_eq!(scan(&app, code, PHONE, "").await.status(), 302);
    }
    assert_eq!(scan(&app, code, PHONE, "").await.status(), 410, "the third phone finds it ended");

    // External targets: only the allow-list.
    let evil = campaign_body(
        &shop.product,
        json!({ "target": { "kind": "external", "url": "https://partner.example.com.evil.io/x" } }),
    );
    let body =
        problem(app.post_as(&shop.seller, &format!("/api/v1/seller/shops/{}/campaigns", shop.shop), &evil).await).await;
    assert_eq!(body["field"], "target.url", "{body}");
    let partner = campaign_body(
        &shop.product,
        json!({ "target": { "kind": "external", "url": "https://partner.example.com/spring" } }),
    );
    start(&app, &shop, &partner).await;

    // Platform campaigns are the administrators'.
    let body = campaign_body(&shop.product, json!({}));
    assert_eq!(app.post_as(&shop.seller, "/api/v1/admin/campaigns", &body).await.status(), 403);
    assert_eq!(app.post_as(&admin, "/api/v1/admin/campaigns", &body).await.status(), 201);
    assert_eq!(app.items_as(&admin, "/api/v1/admin/campaigns").await.as_array().unwrap().len(), 1);
}

async fn a_placements_qr_code_reads_back_as_its_short_link(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else { return };
    let admin = app.admin().await;
    let shop = shop(&app, &admin).await;
    let campaign = start(&app, &shop, &campaign_body(&shop.product, json!({}))).await;
    let placement = &campaign["placements"][1];
    let base = format!("/api/v1/seller/campaigns/{}/placements/{}", campaign["id"], placement["id"]);
    let png = app.get_as(&shop.seller, &format!("{base}/qr.png")).await;
    assert_eq!(png.headers()["content-type"], "image/png");
    let png = png.bytes().await.unwrap();
    let svg = app.get_as(&shop.seller, &format!("{base}/qr.svg?caption=true")).await;
    assert_eq!(svg.headers()["content-type"], "image/svg+xml");
    assert!(svg.text().await.unwrap().contains("包裹传单"), "the caption is the placement's name");
    let stranger = app.register().await;
    assert_eq!(app.get_as(&stranger, &format!("{base}/qr.png")).await.status(), 404);
    let bad = app.get_as(&shop.seller, &format!("{base}/qr.png?scale=500")).await;
    assert_eq!(problem(bad).await["field"], "scale");

    if std::process::Command::new("zbarimg").arg("--version").output().is_err() {
        assert!(std::env::var_os("CI").is_none(), "zbarimg is needed under CI (.ci/run installs zbar-tools)");
        eprintln!("skipped reading the QR code back: no zbarimg here (apt-get install zbar-tools)");
        return;
    }
    // Captioned, the PNG grows a band of text under the code and still reads back.
    let captioned = app.get_as(&shop.seller, &format!("{base}/qr.png?caption=true")).await.bytes().await.unwrap();
    let (width, height) = png_size(&captioned);
    assert!(height > width && width == png_size(&png).0, "{width}×{height}");
    let dir = tempfile::tempdir().unwrap();
    for (name, image) in [("placement.png", &png), ("captioned.png", &captioned)] {
        let file = dir.path().join(name);
        std::fs::write(&file, image).unwrap();
        let read = std::process::Command::new("zbarimg").args(["--raw", "-q"]).arg(&file).output().expect("zbarimg");
        assert!(read.status.success(), "zbarimg could not read {name}: {}", String::from_utf8_lossy(&read.stderr));
        assert_eq!(String::from_utf8_lossy(&read.stdout).trim(), placement["short_url"].as_str().unwrap());
    }
}

/// A PNG's width and height, from its header.
fn png_size(png: &[u8]) -> (u32, u32) {
    let number = |at: usize| u32::from_be_bytes(png[at..at + 4].try_into().expect("four bytes"));
    (number(16), number(20))
}

async fn address(app: &TestApp, buyer: &User) -> Value {
    app.post_as(
        buyer,
        "/api/v1/me/addresses",
        &json!({ "recipient": "钱七", "phone": buyer.phone, "province": "浙江省",
                 "city": "杭州市", "district": "西湖区", "detail": "龙井路 1 号" }),
    )
    .await
    .json()
    .await
    .unwrap()
}

async fn order_with_cookie(
    app: &TestApp,
    buyer: &User,
    address: &Value,
    sku: &Value,
    cookie: &str,
    key: &str,
) -> Value {
    let response = app
        .client
        .post(app.url("/api/v1/orders"))
        .bearer_auth(&buyer.access_token)
        .header("idempotency-key", key)
        .header("cookie", cookie)
        .json(&json!({ "items": [{ "sku_id": sku, "quantity": 1 }], "address_id": address["id"] }))
        .send()
        .await
        .unwrap();
    assert!(response.status().is_success());
    response.json().await.unwrap()
}

async fn orders_after_a_scan_are_credited_once_and_a_refund_leaves_the_orders(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else { return };
    let admin = app.admin().await;
    let shop = shop(&app, &admin).await;
    let campaign = start(&app, &shop, &campaign_body(&shop.product, json!({}))).await;
    let sku = &shop.product["skus"][0]["id"];

    // A shopper scans the poster signed out, then orders from the same phone (the cookie) twice
    // with one key: one order, credited once, to the poster.
    let buyer = app.register().await;
    let first = scan(&app, &campaign["placements"][0]["code"], PHONE, "").await;
    let cookie = first.headers()["set-cookie"].to_str().unwrap().split(';').next().unwrap().to_string();
    funnel_when(&app, &shop, &campaign, |t| t["visits"] == 1).await;
    let to = address(&app, &buyer).await;
    let placed = order_with_cookie(&app, &buyer, &to, sku, &cookie, "attr-1").await;
    order_with_cookie(&app, &buyer, &to, sku, &cookie, "attr-1").await;
    // Credited in the order's own transaction: there as soon as the order is.
    let credited = funnel(&app, &shop, &campaign).await;
    assert_eq!(credited["totals"]["orders"], 1, "{credited}");
    let poster_row = credited["rows"].as_array().unwrap().iter().find(|r| r["orders"] == 1).cloned().unwrap();
    assert_eq!(poster_row["placement_id"], campaign["placements"][0]["id"]);

    // Another shopper scans the flyer signed in (the session cookie) and buys from the app: the
    // order is theirs by user, and paid it counts with its amount.
    let payer = app.register().await;
    scan(&app, &campaign["placements"][1]["code"], PHONE, &format!("bz_session={}", payer.access_token)).await;
    funnel_when(&app, &shop, &campaign, |t| t["visits"] == 2).await;
    let paid = app.paid_order(&payer, &shop.product, 1).await;
    let totals = funnel_when(&app, &shop, &campaign, |t| t["paid_orders"] == 1).await["totals"].clone();
    let total = app.order(&payer, paid).await["total"].clone();
    assert_eq!((totals["orders"].as_i64(), &totals["gmv"]), (Some(2), &total), "{totals}");

    // A shopper who never scanned is not credited.
    let stranger = app.register().await;
    app.paid_order(&stranger, &shop.product, 1).await;

    // Refunded: out of the orders and the GMV, into the refunds.
    let asked: Value = app
        .post_as(&payer, &format!("/api/v1/orders/{paid}/refund-requests"), &json!({ "reason": "不想要了" }))
        .await
        .json()
        .await
        .unwrap();
    let approved =
        app.post_as(&shop.seller, &format!("/api/v1/seller/refund-requests/{}/approve", asked["id"]), &json!({})).await;
    assert_eq!(approved.status(), 200);
    let after = funnel_when(&app, &shop, &campaign, |t| t["refunds"] == 1).await["totals"].clone();
    assert_eq!(
        (after["orders"].as_i64(), after["paid_orders"].as_i64(), after["gmv"].as_str()),
        (Some(1), Some(0), Some("0.00"))
    );
    let csv = app.get_as(&shop.seller, &format!("/api/v1/seller/campaigns/{}/funnel?format=csv", campaign["id"])).await;
    assert!(csv.headers()["content-type"].to_str().unwrap().starts_with("text/csv"));
    let csv = csv.text().await.unwrap();
    assert!(csv.starts_with("day,placement_id,placement,visits,visitors") && csv.contains("\"包裹传单\""), "{csv}");
    assert!(placed["orders"][0]["id"].is_i64());
}

async fn bad_campaigns_are_refused_field_by_field_with_nothing_written(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else { return };
    let admin = app.admin().await;
    let shop = shop(&app, &admin).await;
    let other = self::shop(&app, &admin).await;
    let now = chrono::Utc::now();
    let bad = campaign_body(
        &other.product,
        json!({ "ends_at": now - chrono::Duration::days(1), "coupon_budget": 5, "attribution_days": 0,
                "placements": [{ "name": "", "max_visits": 0 }] }),
    );
    let response = app.post_as(&shop.seller, &format!("/api/v1/seller/shops/{}/campaigns", shop.shop), &bad).await;
    assert_eq!(response.status(), 422);
    let body = problem(response).await;
    let mut fields: Vec<&str> =
        body["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap()).collect();
    fields.sort_unstable();
    assert_eq!(
        fields,
        ["attribution_days", "coupon_budget", "ends_at", "placements.max_visits", "placements.name", "target"],
        "{body}"
    );
    assert_eq!(app.items_as(&shop.seller, &format!("/api/v1/seller/shops/{}/campaigns", shop.shop)).await, json!([]));
    let response = app
        .post_as(
            &other.seller,
            &format!("/api/v1/seller/shops/{}/campaigns", shop.shop),
            &campaign_body(&shop.product, json!({})),
        )
        .await;
    assert_eq!(response.status(), 403, "another shop's seller");
}

async fn an_order_after_the_attribution_window_is_not_credited(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else { return };
    let admin = app.admin().await;
    let shop = shop(&app, &admin).await;
    let campaign = start(&app, &shop, &campaign_body(&shop.product, json!({ "attribution_days": 1 }))).await;
    let buyer = app.register().await;
    let first = scan(&app, &campaign["placements"][0]["code"], PHONE, "").await;
    let cookie = first.headers()["set-cookie"].to_str().unwrap().split(';').next().unwrap().to_string();
    funnel_when(&app, &shop, &campaign, |t| t["visits"] == 1).await;
    // The scan was two days ago: outside the campaign's one-day window.
    let two_days_ago =
        (chrono::Utc::now() - chrono::Duration::days(2)).naive_utc().format("%Y-%m-%d %H:%M:%S").to_string();
    app.app_state
        .db
        .run(move |conn| {
            use diesel::RunQueryDsl;
            diesel::sql_query(format!("UPDATE link_visits SET visited_at = '{two_days_ago}'"))
                .execute(conn)
                .map_err(bazaar_db::DbError::from)
        })
        .await
        .expect("backdate the scan");
    let to = address(&app, &buyer).await;
    order_with_cookie(&app, &buyer, &to, &shop.product["skus"][0]["id"], &cookie, "late").await;
    assert_eq!(funnel(&app, &shop, &campaign).await["totals"]["orders"], 0);
    // Within the window the same shopper's next scan credits the next order.
    scan(&app, &campaign["placements"][0]["code"], PHONE, &cookie).await;
    funnel_when(&app, &shop, &campaign, |t| t["visits"] == 2).await;
    order_with_cookie(&app, &buyer, &to, &shop.product["skus"][0]["id"], &cookie, "in-time").await;
    funnel_when(&app, &shop, &campaign, |t| t["orders"] == 1).await;
}

/// A phone scans signed out, then signs in on the H5 page: its earlier visit becomes the
/// user's, so an order placed later from the app (no cookie) is credited to the poster.
async fn signing_in_after_a_scan_credits_a_later_order_from_the_app(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else { return };
    let admin = app.admin().await;
    let shop = shop(&app, &admin).await;
    let campaign = start(&app, &shop, &campaign_body(&shop.product, json!({}))).await;
    let buyer = app.register().await;
    let scanned = scan(&app, &campaign["placements"][0]["code"], PHONE, "").await;
    let cookie = scanned.headers()["set-cookie"].to_str().unwrap().split(';').next().unwrap().to_string();
    let (name, value) = cookie.split_once('=').unwrap();
    let mut phone = app.visitor();
    phone.cookies.insert(name.to_string(), value.to_string());
    let signed_in = phone.sign_in_with_password(&buyer.phone, bazaar_tests::PASSWORD, "/m/").await;
    assert_eq!(signed_in.status, 303, "{}", signed_in.body);
    // Linking the visit runs beside the sign-in: wait until it is there.
    let user = buyer.id;
    let mut linked = 0;
    for _ in 0..100 {
        linked = app
            .app_state
            .db
            .run(move |conn| {
                use bazaar_db::schema::link_visits as lv;
                use diesel::prelude::*;
                lv::table.filter(lv::user_id.eq(user)).count().get_result::<i64>(conn).map_err(bazaar_db::DbError::from)
            })
            .await
            .expect("count");
        if linked == 1 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(linked, 1, "the scan before signing in is the user's");
    let to = address(&app, &buyer).await;
    order_with_cookie(&app, &buyer, &to, &shop.product["skus"][0]["id"], "", "from-the-app").await;
    assert_eq!(funnel(&app, &shop, &campaign).await["totals"]["orders"], 1);
}
