//! A flash-sale rush against the real `bazaar` binary on SQLite, killed with SIGKILL mid-rush and
//! started again on the same database: every order acknowledged before the kill is there, every
//! unit the sale counts as sold is in exactly one order (none lost, none sold twice, no buyer over
//! the limit), the rush then sells exactly the rest, and once the unpaid orders time out every
//! unit is back in the flash quantity and in stock, once.

use futures_util::future::join_all;
use serde_json::{Value, json};
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

const PASSWORD: &str = "crash-pass-1";
const UNITS: i64 = 100;
const BUYERS: usize = 240;

/// The binary with only what this test sets, limits lifted for one loopback client, cheap hashing.
fn bazaar(workdir: &Path, payment_timeout_secs: u64) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_bazaar"));
    command.current_dir(workdir);
    for (key, _) in std::env::vars_os() {
        if key.to_string_lossy().starts_with("BAZAAR_") {
            command.env_remove(key);
        }
    }
    command
        .env("BAZAAR_PORT", "0")
        .env("BAZAAR_LOG_LEVEL", "error")
        .env("BAZAAR_PASSWORD_HASH_MEMORY_KIB", "1024")
        .env("BAZAAR_PASSWORD_HASH_ITERATIONS", "1")
        .env("BAZAAR_OTP_PER_IP_PER_HOUR", "100000000")
        .env("BAZAAR_OTP_GLOBAL_PER_MINUTE", "100000000")
        .env("BAZAAR_PASSWORD_ATTEMPTS_PER_IP_PER_HOUR", "100000000")
        .env("BAZAAR_ORDER_PAYMENT_TIMEOUT_SECS", payment_timeout_secs.to_string())
        .env("BAZAAR_ORDER_SWEEP_INTERVAL_SECS", "1");
    command
}

/// Starts the server; the child and its base URL (from the banner line).
fn start(workdir: &Path, payment_timeout_secs: u64) -> (Child, String) {
    let mut child = bazaar(workdir, payment_timeout_secs)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("bazaar starts");
    let mut line = String::new();
    BufReader::new(child.stdout.take().expect("stdout")).read_line(&mut line).expect("the banner");
    let base = line.split_whitespace().find(|word| word.starts_with("http://")).expect("a URL").to_string();
    (child, base)
}

struct Api {
    client: reqwest::Client,
    base: String,
}

impl Api {
    async fn call(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<Value>,
        token: Option<&str>,
    ) -> (u16, Value) {
        let mut request = self.client.request(method, format!("{}{path}", self.base));
        if let Some(body) = body {
            request = request.json(&body);
        }
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        match request.send().await {
            Ok(response) => {
                let status = response.status().as_u16();
                (status, response.json().await.unwrap_or(Value::Null))
            }
            // The server was killed under this request.
            Err(_) => (0, Value::Null),
        }
    }

    async fn post(&self, path: &str, body: Value, token: Option<&str>) -> Value {
        let (status, answer) = self.call(reqwest::Method::POST, path, Some(body), token).await;
        assert!((200..300).contains(&status), "POST {path}: {status} {answer}");
        answer
    }

    async fn get(&self, path: &str, token: Option<&str>) -> Value {
        let (status, answer) = self.call(reqwest::Method::GET, path, None, token).await;
        assert_eq!(status, 200, "GET {path}: {answer}");
        answer
    }

    async fn ready(&self) {
        for _ in 0..200 {
            if self.client.get(format!("{}/readyz", self.base)).send().await.is_ok_and(|r| r.status().is_success()) {
                return;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("bazaar never became ready");
    }

    async fn login(&self, phone: &str) -> String {
        let answer = self.post("/api/v1/auth/login", json!({ "phone": phone, "password": PASSWORD }), None).await;
        answer["access_token"].as_str().expect("token").to_string()
    }

    /// Registers `phone` as the app does (an SMS code read from the sandbox outbox); its token.
    async fn register(&self, phone: &str) -> String {
        self.post("/api/v1/auth/otp/send", json!({ "phone": phone, "purpose": "register" }), None).await;
        let sent = self.get(&format!("/sandbox/sms/messages?phone={phone}"), None).await;
        let code: String =
            sent[0]["body"].as_str().expect("an SMS").chars().filter(char::is_ascii_digit).take(6).collect();
        let answer = self
            .post("/api/v1/auth/register", json!({ "phone": phone, "password": PASSWORD, "code": code }), None)
            .await;
        answer["access_token"].as_str().expect("token").to_string()
    }
}

/// Every order of `shop`, all pages.
async fn shop_orders(api: &Api, seller: &str, shop: i64) -> Vec<Value> {
    let mut orders = Vec::new();
    let mut cursor = String::new();
    loop {
        let page = api.get(&format!("/api/v1/seller/orders?shop_id={shop}&limit=100{cursor}"), Some(seller)).await;
        orders.extend(page["items"].as_array().expect("items").iter().cloned());
        match page["next_cursor"].as_str() {
            Some(next) => cursor = format!("&cursor={next}"),
            None => return orders,
        }
    }
}

/// The sale as its shop sees it: (sold, reserved, paid).
async fn sale_counts(api: &Api, seller: &str, shop: i64) -> (i64, i64, i64) {
    let sales = api.get(&format!("/api/v1/seller/shops/{shop}/flash-sales"), Some(seller)).await;
    let sale = &sales["items"][0];
    let number = |key: &str| sale[key].as_i64().unwrap_or_else(|| panic!("{key}: {sale}"));
    (number("quantity") - number("remaining"), number("reserved"), number("paid"))
}

async fn stock(api: &Api, seller: &str, product: i64) -> i64 {
    let product = api.get(&format!("/api/v1/seller/products/{product}"), Some(seller)).await;
    product["skus"][0]["stock"].as_i64().expect("stock")
}

/// One buy-now per buyer, all at once; returns the order ids acknowledged (201).
async fn rush(
    api: &Api,
    sale: i64,
    sku: i64,
    buyers: &[(String, i64)],
    round: &str,
    kill_after: Option<(usize, &mut Child)>,
) -> Vec<i64> {
    let acknowledged = Arc::new(AtomicUsize::new(0));
    let tries = buyers.iter().enumerate().map(|(n, (token, address))| {
        let acknowledged = acknowledged.clone();
        async move {
            let answer = api
                .client
                .post(format!("{}/api/v1/flash-sales/{sale}/orders", api.base))
                .bearer_auth(token)
                .header("idempotency-key", format!("{round}-{n}"))
                .json(&json!({ "sku_id": sku, "quantity": 1, "address_id": address }))
                .send()
                .await;
            let Ok(answer) = answer else { return None };
            if answer.status().as_u16() != 201 {
                return None;
            }
            let body: Value = answer.json().await.ok()?;
            acknowledged.fetch_add(1, Ordering::SeqCst);
            body["orders"][0]["id"].as_i64()
        }
    });
    let all = join_all(tries);
    let placed = match kill_after {
        None => all.await,
        Some((threshold, child)) => {
            let watcher = async {
                while acknowledged.load(Ordering::SeqCst) < threshold {
                    tokio::time::sleep(Duration::from_millis(2)).await;
                }
                // SIGKILL: no graceful stop, whatever is in flight is cut.
                child.kill().expect("kill -9");
                child.wait().expect("reaped");
            };
            let (placed, ()) = tokio::join!(all, watcher);
            placed
        }
    };
    placed.into_iter().flatten().collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rush_killed_mid_way_loses_no_unit_and_sells_none_twice() {
    let dir = tempfile::tempdir().expect("tempdir");
    let admin_phone = "13700000000";
    let created = bazaar(dir.path(), 600)
        .args(["admin", "create", "--phone", admin_phone])
        .env("BAZAAR_ADMIN_PASSWORD", PASSWORD)
        .output()
        .expect("admin create");
    assert!(created.status.success(), "{}", String::from_utf8_lossy(&created.stderr));
    let (mut server, base) = start(dir.path(), 600);
    let api = Api { client: reqwest::Client::new(), base };
    api.ready().await;

    // A shop approved by the admin, one product of 500 units, a flash sale of 100 of them.
    let admin = api.login(admin_phone).await;
    let seller_phone = "13800000001";
    let seller = api.register(seller_phone).await;
    let application = api
        .post(
            "/api/v1/shop-applications",
            json!({ "shop_name": "秒杀店", "main_category": "食品", "licence_number": "913101150000000000",
                    "contact_phone": seller_phone }),
            Some(&seller),
        )
        .await;
    let shop = api
        .post(&format!("/api/v1/admin/shop-applications/{}/approve", application["id"]), json!({}), Some(&admin))
        .await["shop_id"]
        .as_i64()
        .expect("shop");
    let seller = api.login(seller_phone).await;
    let categories = api.get("/api/v1/categories", None).await;
    let category = categories["items"][0]["children"][0]["id"].clone();
    let product = api
        .post(
            "/api/v1/seller/products",
            json!({ "shop_id": shop, "category_id": category, "title": "秒杀粽子", "skus": [{ "price": "30.00", "stock": 500 }] }),
            Some(&seller),
        )
        .await;
    let (product_id, sku) = (product["id"].as_i64().expect("product"), product["skus"][0]["id"].as_i64().expect("sku"));
    api.post(&format!("/api/v1/seller/products/{product_id}/publish"), json!({}), Some(&seller)).await;
    let now = chrono::Utc::now();
    let sale = api
        .post(
            &format!("/api/v1/seller/shops/{shop}/flash-sales"),
            json!({ "sku_id": sku, "flash_price": "9.90", "quantity": UNITS, "per_user_limit": 1,
                    "starts_at": now - chrono::Duration::minutes(1), "ends_at": now + chrono::Duration::hours(2) }),
            Some(&seller),
        )
        .await["id"]
        .as_i64()
        .expect("sale");
    let mut buyers = Vec::with_capacity(BUYERS);
    for n in 0..BUYERS {
        let phone = format!("139{n:08}");
        let token = api.register(&phone).await;
        let address = api
            .post(
                "/api/v1/me/addresses",
                json!({ "recipient": "抢购", "phone": phone, "province": "上海市", "city": "上海市", "district": "黄浦区",
                        "detail": "1 号" }),
                Some(&token),
            )
            .await["id"]
            .as_i64()
            .expect("address");
        buyers.push((token, address));
    }

    // The rush, killed once 30 orders are acknowledged.
    let before_kill = rush(&api, sale, sku, &buyers, "first", Some((30, &mut server))).await;
    assert!(before_kill.len() >= 30, "{}", before_kill.len());

    // Started again on the same database (the same sessions hold: tokens are signed, sessions stored).
    let (mut server, base) = start(dir.path(), 600);
    let api = Api { client: reqwest::Client::new(), base };
    api.ready().await;
    let orders = shop_orders(&api, &seller, shop).await;
    let ids: Vec<i64> = orders.iter().filter_map(|order| order["id"].as_i64()).collect();
    for acknowledged in &before_kill {
        assert!(ids.contains(acknowledged), "order {acknowledged} was acknowledged before the kill and is gone");
    }
    let (sold, reserved, paid) = sale_counts(&api, &seller, shop).await;
    assert_eq!(
        (sold, reserved, paid),
        (orders.len() as i64, orders.len() as i64, 0),
        "every unit sold is in one order"
    );
    assert_eq!(stock(&api, &seller, product_id).await, 500 - sold, "stock and flash units agree");

    // The crowd keeps trying (new keys) until the sale is sold out: it buys exactly what is left.
    // (Units the gate let through to requests the database refused come back to its count as
    // those answers return, so a buyer turned away in one wave may get one in the next.)
    for round in 0..20 {
        rush(&api, sale, sku, &buyers, &format!("again-{round}"), None).await;
        if sale_counts(&api, &seller, shop).await.0 == UNITS {
            break;
        }
    }
    let orders = shop_orders(&api, &seller, shop).await;
    assert_eq!(orders.len() as i64, UNITS, "exactly the flash quantity sold");
    let mut buyers_with_orders: Vec<String> =
        orders.iter().map(|order| order["address"]["phone"].as_str().unwrap_or_default().to_string()).collect();
    buyers_with_orders.sort();
    buyers_with_orders.dedup();
    assert_eq!(buyers_with_orders.len() as i64, UNITS, "no buyer over the limit of 1");
    assert_eq!(sale_counts(&api, &seller, shop).await, (UNITS, UNITS, 0));
    assert_eq!(stock(&api, &seller, product_id).await, 500 - UNITS);

    // Restarted with a short payment window: every unpaid order times out, every unit comes back once.
    server.kill().expect("stop");
    server.wait().expect("reaped");
    let (mut server, base) = start(dir.path(), 1);
    let api = Api { client: reqwest::Client::new(), base };
    api.ready().await;
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let (sold, ..) = sale_counts(&api, &seller, shop).await;
        if sold == 0 {
            break;
        }
        assert!(Instant::now() < deadline, "units still held after 60 s: {sold}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_eq!(sale_counts(&api, &seller, shop).await, (0, 0, 0), "back once, and nothing more");
    assert_eq!(stock(&api, &seller, product_id).await, 500);
    server.kill().expect("stop");
    server.wait().expect("reaped");
}
