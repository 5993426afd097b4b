//! Two gateways on one PostgreSQL and one Redis take orders; one of them is killed with SIGKILL
//! in the middle. Afterwards, through the survivor: every order either gateway acknowledged
//! exists; stock plus the units the live orders hold is the initial stock, and the inventory
//! ledger sums to it; and every request
//! sent, answered or cut, replayed with its Idempotency-Key places at most once.

use crate::harness::{Answer, Cluster, servers_promised, units_held};
use futures_util::future::join_all;
use serde_json::json;
use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

const STOCK: i64 = 5_000;
const BUYERS: usize = 40;
const ORDERS_PER_BUYER: usize = 6;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_gateway_killed_under_order_load_loses_no_acknowledged_order_and_places_none_twice() {
    if !servers_promised("a_gateway_killed_under_order_load") {
        return;
    }
    let Cluster { postgres: _postgres, redis: _redis, mut a, b, market, _dirs } = Cluster::start(STOCK, BUYERS).await;

    // Every buyer places orders one after another, alternating gateways; A is killed once 60
    // orders are acknowledged. Each request: (key, quantity, answer).
    let acknowledged = AtomicUsize::new(0);
    let a_api = crate::harness::Api::new(a.api.base.clone());
    let buyers = market.buyers.iter().enumerate().map(|(n, buyer)| {
        let (acknowledged, a_api, b_api) = (&acknowledged, &a_api, &b.api);
        let sku = market.sku;
        async move {
            let mut sent = Vec::new();
            for round in 0..ORDERS_PER_BUYER {
                let key = format!("order-{n}-{round}");
                let quantity = 1 + (n + round) % 3;
                let body = json!({ "address_id": buyer.address, "items": [{ "sku_id": sku, "quantity": quantity }],
                                   "coupon_ids": [] });
                let api = if round % 2 == 0 { a_api } else { b_api };
                let answer = api
                    .call(reqwest::Method::POST, "/api/v1/orders", Some(&body), Some(&buyer.token), Some(&key))
                    .await;
                if answer.status == 201 {
                    acknowledged.fetch_add(1, Ordering::SeqCst);
                }
                sent.push((key, body, answer));
            }
            sent
        }
    });
    let load = join_all(buyers);
    let killer = async {
        while acknowledged.load(Ordering::SeqCst) < 60 {
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
        a.kill();
    };
    let (sent, ()) = tokio::join!(load, killer);
    let sent: Vec<_> = sent.into_iter().flatten().collect();
    let cut = sent.iter().filter(|(_, _, answer)| answer.status == 0).count();
    assert!(cut > 0 || sent.iter().any(|(_, _, answer)| answer.status == 201), "the load ran");
    for (key, _, answer) in &sent {
        assert!(matches!(answer.status, 0 | 201), "{key}: {} {}", answer.status, answer.body);
    }

    // Every acknowledged order is there, and stock plus what orders hold is what there was.
    let orders = market.orders(&b.api).await;
    let by_id: HashMap<i64, &serde_json::Value> =
        orders.iter().filter_map(|order| Some((order["id"].as_i64()?, order))).collect();
    let placed = |answer: &Answer| answer.body["orders"][0]["id"].as_i64();
    for (key, _, answer) in sent.iter().filter(|(_, _, answer)| answer.status == 201) {
        let id = placed(answer).expect("an order id");
        assert!(by_id.contains_key(&id), "{key}: order {id} was acknowledged and is gone");
    }
    assert_eq!(market.stock(&b.api).await + units_held(&orders), STOCK, "stock + held = initial");

    // Replayed through the survivor: an acknowledged request answers 200 with its order; a cut
    // one places now or answers what it had placed; a second replay changes nothing.
    for (key, body, answer) in &sent {
        let buyer = &market.buyers[key.split('-').nth(1).and_then(|n| n.parse::<usize>().ok()).expect("buyer")];
        let replay =
            b.api.call(reqwest::Method::POST, "/api/v1/orders", Some(body), Some(&buyer.token), Some(key)).await;
        assert!(matches!(replay.status, 200 | 201), "{key}: {} {}", replay.status, replay.body);
        if answer.status == 201 {
            assert_eq!((replay.status, placed(&replay)), (200, placed(answer)), "{key} replayed");
        }
        let again =
            b.api.call(reqwest::Method::POST, "/api/v1/orders", Some(body), Some(&buyer.token), Some(key)).await;
        assert_eq!((again.status, placed(&again)), (200, placed(&replay)), "{key} replayed twice");
    }
    let orders = market.orders(&b.api).await;
    assert_eq!(orders.len(), sent.len(), "one order per key, whatever the kill cut");
    let stock = market.stock(&b.api).await;
    assert_eq!(stock + units_held(&orders), STOCK, "stock + held = initial, after replays");
    assert_eq!(market.ledger(&b.api).await, (stock, stock), "the ledger sums to the stock its last entry left");
}
