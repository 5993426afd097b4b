//! A flash-sale rush against the real `bazaar` binary on SQLite, killed with SIGKILL mid-rush and
//! started again on the same database: every order acknowledged before the kill is there, every
//! unit the sale counts as sold is in exactly one order (none lost, none sold twice, no buyer over
//! the limit), the rush then sells exactly the rest, and once the unpaid orders time out every
//! unit is back in the flash quantity and in stock, once.

use crate::harness::{Api, Gateway, Market, create_admin};
use futures_util::future::join_all;
use serde_json::{Value, json};
use std::path::Path;
use std::process::Child;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

const UNITS: i64 = 100;
const BUYERS: usize = 240;

/// Flash orders left unpaid time out after `payment_timeout_secs`, swept every second.
async fn start(workdir: &Path, payment_timeout_secs: u64) -> Gateway {
    let settings = [
        ("BAZAAR_ORDER_PAYMENT_TIMEOUT_SECS", payment_timeout_secs.to_string()),
        ("BAZAAR_ORDER_SWEEP_INTERVAL_SECS", "1".to_string()),
    ];
    Gateway::start(workdir, &settings).await
}

/// The sale as its shop sees it: (sold, reserved, paid).
async fn sale_counts(api: &Api, seller: &str, shop: i64) -> (i64, i64, i64) {
    let sales = api.get(&format!("/api/v1/seller/shops/{shop}/flash-sales"), Some(seller)).await;
    let sale = &sales["items"][0];
    let number = |key: &str| sale[key].as_i64().unwrap_or_else(|| panic!("{key}: {sale}"));
    (number("quantity") - number("remaining"), number("reserved"), number("paid"))
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
    create_admin(dir.path(), &[], "13700000000");
    let mut server = start(dir.path(), 600).await;

    // A shop approved by the admin, one product of 500 units, a flash sale of 100 of them.
    let market = Market::open(&server.api, "13700000000", 500, BUYERS).await;
    let (seller, shop, sku) = (market.seller.as_str(), market.shop, market.sku);
    let now = chrono::Utc::now();
    let sale = server
        .api
        .post(
            &format!("/api/v1/seller/shops/{shop}/flash-sales"),
            json!({ "sku_id": sku, "flash_price": "9.90", "quantity": UNITS, "per_user_limit": 1,
                    "starts_at": now - chrono::Duration::minutes(1), "ends_at": now + chrono::Duration::hours(2) }),
            Some(seller),
        )
        .await["id"]
        .as_i64()
        .expect("sale");
    let buyers: Vec<(String, i64)> = market.buyers.iter().map(|buyer| (buyer.token.clone(), buyer.address)).collect();

    // The rush, killed once 30 orders are acknowledged.
    let api = Api::new(server.api.base.clone());
    let before_kill = rush(&api, sale, sku, &buyers, "first", Some((30, server.process()))).await;
    assert!(before_kill.len() >= 30, "{}", before_kill.len());

    // Started again on the same database (the same sessions hold: tokens are signed, sessions stored).
    let server = start(dir.path(), 600).await;
    let api = &server.api;
    let orders = market.orders(api).await;
    let ids: Vec<i64> = orders.iter().filter_map(|order| order["id"].as_i64()).collect();
    for acknowledged in &before_kill {
        assert!(ids.contains(acknowledged), "order {acknowledged} was acknowledged before the kill and is gone");
    }
    let (sold, reserved, paid) = sale_counts(api, seller, shop).await;
    assert_eq!(
        (sold, reserved, paid),
        (orders.len() as i64, orders.len() as i64, 0),
        "every unit sold is in one order"
    );
    assert_eq!(market.stock(api).await, 500 - sold, "stock and flash units agree");

    // The crowd keeps trying (new keys) until the sale is sold out: it buys exactly what is left.
    // (Units the gate let through to requests the database refused come back to its count as
    // those answers return, so a buyer turned away in one wave may get one in the next.)
    for round in 0..20 {
        rush(api, sale, sku, &buyers, &format!("again-{round}"), None).await;
        if sale_counts(api, seller, shop).await.0 == UNITS {
            break;
        }
    }
    let orders = market.orders(api).await;
    assert_eq!(orders.len() as i64, UNITS, "exactly the flash quantity sold");
    let mut buyers_with_orders: Vec<String> =
        orders.iter().map(|order| order["address"]["phone"].as_str().unwrap_or_default().to_string()).collect();
    buyers_with_orders.sort();
    buyers_with_orders.dedup();
    assert_eq!(buyers_with_orders.len() as i64, UNITS, "no buyer over the limit of 1");
    assert_eq!(sale_counts(api, seller, shop).await, (UNITS, UNITS, 0));
    assert_eq!(market.stock(api).await, 500 - UNITS);

    // Restarted with a short payment window: every unpaid order times out, every unit comes back once.
    drop(server);
    let server = start(dir.path(), 1).await;
    let api = &server.api;
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let (sold, ..) = sale_counts(api, seller, shop).await;
        if sold == 0 {
            break;
        }
        assert!(Instant::now() < deadline, "units still held after 60 s: {sold}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_eq!(sale_counts(api, seller, shop).await, (0, 0, 0), "back once, and nothing more");
    assert_eq!(market.stock(api).await, 500);
}
