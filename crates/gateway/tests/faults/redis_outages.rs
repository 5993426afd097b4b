//! Redis paused (SIGSTOP, as a hung server) and killed then restarted empty, under two gateways
//! on one PostgreSQL: signed-in requests and password login keep working, each within a bound,
//! while Redis hangs; a session signed out while Redis is gone stays out after it comes back
//! empty, on both gateways; a stock change that could not be announced is served by both
//! gateways soon after Redis is back (no stale page); and a chat socket is told to resync.

use crate::harness::{Api, Cluster, OwnRedis, servers_promised, signal};
use futures_util::StreamExt;
use serde_json::{Value, json};
use std::time::{Duration, Instant};
use tokio_tungstenite::tungstenite::Message;

/// Polls `path` on `api` until `done` holds for its answer, for at most `within`.
async fn eventually(api: &Api, path: &str, within: Duration, done: impl Fn(&Value) -> bool) {
    let started = Instant::now();
    loop {
        let answer = api.call(reqwest::Method::GET, path, None, None, None).await;
        if answer.status == 200 && done(&answer.body) {
            return;
        }
        assert!(started.elapsed() < within, "{} {path} still {} after {within:?}", api.base, answer.body);
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redis_hung_then_lost_then_back_empty_revokes_nothing_resurrects_nothing_and_leaves_no_stale_page() {
    if !servers_promised("redis_outages") {
        return;
    }
    let Cluster { postgres: _postgres, redis, a, b, market, _dirs } = Cluster::start(10, 3).await;
    let (buyer, leaving) = (&market.buyers[0], &market.buyers[1]);

    // Hung: every signed-in request still answers, none waits on Redis for long.
    signal(redis.pid(), "STOP");
    let mut slowest = Duration::ZERO;
    for round in 0..20 {
        let api = if round % 2 == 0 { &a.api } else { &b.api };
        let answer = api.call(reqwest::Method::GET, "/api/v1/cart", None, Some(&buyer.token), None).await;
        assert_eq!(answer.status, 200, "cart with Redis hung: {}", answer.body);
        slowest = slowest.max(answer.took);
    }
    let login = a
        .api
        .call(
            reqwest::Method::POST,
            "/api/v1/auth/login",
            Some(&json!({ "phone": buyer.phone, "password": crate::harness::PASSWORD })),
            None,
            None,
        )
        .await;
    assert_eq!(login.status, 200, "login with Redis hung: {}", login.body);
    signal(redis.pid(), "CONT");
    eprintln!("slowest signed-in answer with Redis hung: {slowest:?}; login {:?}", login.took);
    // One kv response timeout (500 ms) at most: after it the breaker refuses at once. Without
    // the breaker a request waited a timeout per kv call (1.0 s for the cart, 1.5 s for a login).
    let bound = Duration::from_millis(800);
    assert!(slowest <= bound && login.took <= bound, "waited {slowest:?} / {:?} on a hung Redis", login.took);

    // Both gateways cache the product page; a chat socket is open on B.
    let page = format!("/api/v1/products/{}", market.product);
    for api in [&a.api, &b.api] {
        eventually(api, &page, Duration::from_secs(5), |page| page["total_stock"] == 10).await;
    }
    let url = format!("{}/api/v1/chat/ws?access_token={}", b.api.base.replacen("http://", "ws://", 1), market.seller);
    let (mut socket, _) = tokio_tungstenite::connect_async(url).await.expect("the chat handshake");
    let hello = tokio::time::timeout(Duration::from_secs(5), socket.next()).await;
    assert!(matches!(&hello, Ok(Some(Ok(Message::Text(text)))) if text.contains("\"hello\"")), "{hello:?}");

    // Lost: a sign-out and a stock change happen while nothing can be announced.
    let port = redis.kill();
    let logout =
        a.api.call(reqwest::Method::POST, "/api/v1/auth/logout", Some(&json!({})), Some(&leaving.token), None).await;
    assert!(matches!(logout.status, 200 | 204), "logout with Redis gone: {} {}", logout.status, logout.body);
    let changed = a
        .api
        .call(
            reqwest::Method::PATCH,
            &format!("/api/v1/seller/skus/{}/stock", market.sku),
            Some(&json!({ "set": 3, "reason": "盘点" })),
            Some(&market.seller),
            None,
        )
        .await;
    assert_eq!(changed.status, 200, "stock change with Redis gone: {}", changed.body);

    // Back, empty.
    let _redis = OwnRedis::start(port);
    for api in [&a.api, &b.api] {
        assert_eq!(
            api.status_of("/api/v1/cart", Some(&leaving.token)).await,
            401,
            "{}: signed out stays out",
            api.base
        );
        assert_eq!(api.status_of("/api/v1/cart", Some(&buyer.token)).await, 200, "{}: signed in stays in", api.base);
        eventually(api, &page, Duration::from_secs(10), |page| page["total_stock"] == 3).await;
    }
    let resync = tokio::time::timeout(Duration::from_secs(10), async {
        while let Some(Ok(frame)) = socket.next().await {
            if let Message::Text(text) = frame
                && text.contains("\"resync\"")
            {
                return true;
            }
        }
        false
    })
    .await;
    assert_eq!(resync.ok(), Some(true), "the chat socket on B was not told to resync");
}
