//! PostgreSQL stopped immediately (as a crash) under signed-in load, then started again: while it
//! is down every answer is 503 `database_unavailable` at once (not after a pool timeout), `/readyz`
//! says 503, a chat connection is told to come back (4503, never the 4401 that makes a phone
//! sign out); once it is back the same gateway serves again within a second, with no restart.

use crate::harness::{Api, Gateway, Market, OwnPostgres, create_admin, p99, servers_promised};
use futures_util::StreamExt;
use futures_util::future::join_all;
use std::time::{Duration, Instant};
use tokio_tungstenite::tungstenite::Message;

/// Answers to the signed-in cart, `per_buyer` in a row from each buyer at once.
async fn cart_load(api: &Api, market: &Market, per_buyer: usize) -> Vec<crate::harness::Answer> {
    let each = market.buyers.iter().map(|buyer| async move {
        let mut answers = Vec::with_capacity(per_buyer);
        for _ in 0..per_buyer {
            answers.push(api.call(reqwest::Method::GET, "/api/v1/cart", None, Some(&buyer.token), None).await);
        }
        answers
    });
    join_all(each).await.into_iter().flatten().collect()
}

/// The close frame a chat connection opened now gets, or `None` if it was greeted.
async fn chat_close_code(api: &Api, token: &str) -> Option<u16> {
    let url = format!("{}/api/v1/chat/ws?access_token={token}", api.base.replacen("http://", "ws://", 1));
    let (mut ws, _) = tokio_tungstenite::connect_async(url).await.expect("the handshake");
    let deadline = tokio::time::sleep(Duration::from_secs(10));
    tokio::pin!(deadline);
    loop {
        tokio::select! {
            frame = ws.next() => match frame {
                Some(Ok(Message::Close(Some(close)))) => return Some(close.code.into()),
                Some(Ok(Message::Text(text))) if text.contains("\"hello\"") => return None,
                Some(Ok(_)) => continue,
                other => panic!("the socket ended without a close frame: {other:?}"),
            },
            () = &mut deadline => panic!("neither a greeting nor a close within 10 s"),
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_stopped_under_load_answers_503_at_once_and_the_gateway_heals_within_a_second() {
    if !servers_promised("postgres_stopped_under_load") {
        return;
    }
    let postgres = OwnPostgres::start();
    let settings = [("BAZAAR_DATABASE_URL", postgres.url()), ("BAZAAR_DB_POOL_SIZE", "8".to_string())];
    let dir = tempfile::tempdir().expect("tempdir");
    create_admin(dir.path(), &settings, "13700000000");
    let gateway = Gateway::start(dir.path(), &settings).await;
    let api = &gateway.api;
    let market = Market::open(api, "13700000000", 100, 8).await;
    assert!(cart_load(api, &market, 20).await.iter().all(|answer| answer.status == 200), "served before");
    assert_eq!(chat_close_code(api, &market.buyers[0].token).await, None, "chat greets before");

    postgres.stop_immediately();
    // The pool's connections are all broken now; the first requests find that out.
    cart_load(api, &market, 2).await;
    let mut answers = cart_load(api, &market, 30).await;
    for answer in &answers {
        assert_eq!(
            (answer.status, answer.body["code"].as_str()),
            (503, Some("database_unavailable")),
            "during the outage: {}",
            answer.body
        );
    }
    let mut took: Vec<Duration> = answers.iter_mut().map(|answer| answer.took).collect();
    let outage_p99 = p99(&mut took);
    assert!(outage_p99 <= Duration::from_millis(100), "503 p99 {outage_p99:?} over 100 ms");
    assert_eq!(api.status_of("/readyz", None).await, 503, "not ready while the database is down");
    assert_eq!(chat_close_code(api, &market.buyers[1].token).await, Some(4503), "chat: come back later");

    postgres.start_again();
    let back = Instant::now();
    let token = market.buyers[0].token.as_str();
    loop {
        let status = api.status_of("/api/v1/cart", Some(token)).await;
        if status == 200 {
            break;
        }
        // The last answer says which side did not come back: the cluster (503) or the gateway.
        assert!(back.elapsed() < Duration::from_secs(30), "not serving 30 s after the database came back: {status}");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let recovered = back.elapsed();
    eprintln!("503 p99 during the outage: {outage_p99:?}; serving again {recovered:?} after PostgreSQL was back");
    assert!(recovered <= Duration::from_secs(1), "recovery took {recovered:?}");
    assert!(cart_load(api, &market, 10).await.iter().all(|answer| answer.status == 200), "served after");
    assert_eq!(api.status_of("/readyz", None).await, 200);
    assert_eq!(chat_close_code(api, &market.buyers[1].token).await, None, "chat greets again");
}
