//! Two gateways on one PostgreSQL and one Redis: what one changes, the other serves on its next
//! read, although each keeps its own product-page cache.

use bazaar_tests::catalog::simple;
use bazaar_tests::{Backend, TestApp};
use serde_json::{Value, json};
use std::time::Duration;

/// Reads `path` from `app` until `check` holds (pub/sub crosses gateways in milliseconds).
async fn eventually(app: &TestApp, path: &str, check: impl Fn(&Value) -> bool) -> Value {
    eventually_within(app, path, 100, check).await
}

/// As [`eventually`], for up to `tries` × 20 ms.
async fn eventually_within(app: &TestApp, path: &str, tries: u32, check: impl Fn(&Value) -> bool) -> Value {
    let mut last = Value::Null;
    for _ in 0..tries {
        let response = app.get(path).await;
        if response.status() == 200 {
            last = response.json().await.unwrap();
            if check(&last) {
                return last;
            }
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("{path} never showed the change; last: {last}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn catalog_changes_reach_the_other_gateways_cache() {
    let Some(a) = TestApp::spawn(Backend::Postgres).await else { return };
    assert_eq!(a.app_state.kv.backend_name(), "redis", "scale-out needs Redis (BAZAAR_TEST_REDIS_URL)");
    let b = a.spawn_sibling().await;
    let admin = a.admin().await;
    let (seller, shop) = a.seller(&admin).await;
    let product = a.publish_product(&seller, &simple(shop, a.category("Snacks").await, "芝麻糖", "6.00", 10)).await;
    let path = format!("/api/v1/products/{}", product["id"]);

    // Both gateways cache the page.
    for gateway in [&a, &b] {
        let page: Value = gateway.get(&path).await.json().await.unwrap();
        assert_eq!(page["total_stock"], 10);
    }
    // The seller changes stock through gateway B; gateway A's cached page must not survive it.
    let sku = product["skus"][0]["id"].as_i64().unwrap();
    let changed =
        b.patch_as(&seller, &format!("/api/v1/seller/skus/{sku}/stock"), &json!({ "set": 3, "reason": "盘点" })).await;
    assert_eq!(changed.status(), 200);
    eventually(&a, &path, |page| page["total_stock"] == 3).await;

    // A product created and published through A is on sale through B.
    let other = a.publish_product(&seller, &simple(shop, a.category("Snacks").await, "花生糖", "7.00", 1)).await;
    eventually(&b, &format!("/api/v1/products/{}", other["id"]), |page| page["title"] == "花生糖").await;

    // Suspending the shop through B takes its pages off A.
    assert_eq!(b.post_as(&admin, &format!("/api/v1/admin/shops/{shop}/suspend"), &json!({})).await.status(), 200);
    for _ in 0..100 {
        if a.get(&path).await.status() == 404 {
            return;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("gateway A still serves a suspended shop's product");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn chat_crosses_gateways() {
    let Some(a) = TestApp::spawn(Backend::Postgres).await else { return };
    assert_eq!(a.app_state.kv.backend_name(), "redis", "scale-out needs Redis (BAZAAR_TEST_REDIS_URL)");
    let b = a.spawn_sibling().await;
    let admin = a.admin().await;
    let (seller, shop) = a.seller(&admin).await;
    let buyer = a.register().await;
    let conversation = a.open_conversation(&buyer, shop).await;

    // The buyer is connected to gateway A, the seller to gateway B (and to A on a second device).
    let mut buyer_ws = a.chat(&buyer).await;
    let mut seller_on_b = b.chat(&seller).await;
    let mut seller_on_a = a.chat(&seller).await;

    assert_eq!(buyer_ws.say(conversation, "x-1", "从 A 发出").await["type"], "sent");
    assert_eq!(seller_on_b.next_of("message").await["message"]["text"], "从 A 发出");
    assert_eq!(seller_on_a.next_of("message").await["message"]["text"], "从 A 发出");

    assert_eq!(seller_on_b.say(conversation, "y-1", "从 B 回复").await["type"], "sent");
    assert_eq!(buyer_ws.next_of("message").await["message"]["text"], "从 B 回复");
    assert_eq!(seller_on_a.next_of("message").await["message"]["text"], "从 B 回复", "the seller's other device");

    // Ephemeral and receipt events cross too.
    seller_on_b.send(json!({ "type": "typing", "conversation_id": conversation })).await;
    assert_eq!(buyer_ws.next_of("typing").await["side"], "shop");
    buyer_ws.send(json!({ "type": "read", "conversation_id": conversation, "seq": 2 })).await;
    assert_eq!(seller_on_b.next_of("read").await["seq"], 2);

    // A sensitive word set through A masks on B at once.
    let saved = a.put_as(&admin, "/api/v1/admin/chat/sensitive-words", &json!({ "words": ["转账"] })).await;
    assert_eq!(saved.status(), 200);
    let masked = eventually_masked(&mut seller_on_b, conversation).await;
    assert_eq!(masked, "先**再发货");
}

/// Sends until gateway B has heard that the word list changed (pub/sub crosses in milliseconds).
async fn eventually_masked(client: &mut bazaar_tests::chat::ChatClient, conversation: i64) -> String {
    for attempt in 0..50 {
        let sent = client.say(conversation, &format!("m-{attempt}"), "先转账再发货").await;
        let text = sent["message"]["text"].as_str().unwrap_or_default().to_string();
        if text.contains('*') {
            return text;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("gateway B never applied the new sensitive words");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_gateway_indexes_every_change() {
    let Some(a) = TestApp::spawn(Backend::Postgres).await else { return };
    let b = a.spawn_sibling().await;
    let admin = a.admin().await;
    let (seller, shop) = a.seller(&admin).await;
    let snacks = a.category("Snacks").await;
    let through_a = a.publish_product(&seller, &simple(shop, snacks, "杏仁饼 澳门手信", "20.00", 10)).await;
    let through_b = b.publish_product(&seller, &simple(shop, snacks, "蛋黄酥 手工", "15.00", 10)).await;
    // Each gateway keeps its own index, fed from the shared outbox: both see both.
    for gateway in [&a, &b] {
        gateway.until_searchable("杏仁饼", through_a["id"].as_i64().unwrap()).await;
        gateway.until_searchable("danhuangsu", through_b["id"].as_i64().unwrap()).await;
    }
    // A synonym group set through A widens queries on B too.
    let groups = json!({ "groups": [["蛋黄酥", "egg yolk pastry"]] });
    assert_eq!(a.put_as(&admin, "/api/v1/admin/search/synonyms", &groups).await.status(), 200);
    a.until_searchable("egg yolk pastry", through_b["id"].as_i64().unwrap()).await;
    b.until_searchable("egg yolk pastry", through_b["id"].as_i64().unwrap()).await;
}

/// Two gateways on one PostgreSQL and a Redis of the test's own (so it can be killed), with a
/// seller's shop; `None` where no Redis server is promised (outside CI without the variable).
struct OwnRedisPair {
    redis: bazaar_kv::testing::OwnRedis,
    a: TestApp,
    b: TestApp,
    seller: bazaar_tests::User,
    shop: i64,
}

async fn two_gateways_on_their_own_redis() -> Option<OwnRedisPair> {
    bazaar_kv::testing::redis_url_from_env()?;
    let redis = bazaar_kv::testing::OwnRedis::start(bazaar_kv::testing::free_port());
    let url = redis.url();
    let a = TestApp::spawn_with(Backend::Postgres, |config| config.redis_url = Some(url)).await?;
    let b = a.spawn_sibling().await;
    let admin = a.admin().await;
    let (seller, shop) = a.seller(&admin).await;
    Some(OwnRedisPair { redis, a, b, seller, shop })
}

/// Two gateways on one PostgreSQL and a Redis of the test's own. Redis is killed, the seller
/// changes stock through gateway A (the change cannot be announced), Redis comes back: both
/// gateways drop what their caches held and serve the new stock, without waiting for the pages to
/// expire.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_change_made_while_redis_was_down_is_served_once_it_is_back() {
    let Some(OwnRedisPair { redis, a, b, seller, shop }) = two_gateways_on_their_own_redis().await else { return };
    let product = a.publish_product(&seller, &simple(shop, a.category("Snacks").await, "桃酥", "8.00", 10)).await;
    let path = format!("/api/v1/products/{}", product["id"]);
    for gateway in [&a, &b] {
        let page: Value = gateway.get(&path).await.json().await.unwrap();
        assert_eq!(page["total_stock"], 10, "cached with the old stock");
    }
    let port = redis.kill();
    let sku = product["skus"][0]["id"].as_i64().unwrap();
    let changed =
        a.patch_as(&seller, &format!("/api/v1/seller/skus/{sku}/stock"), &json!({ "set": 3, "reason": "盘点" })).await;
    assert_eq!(changed.status(), 200, "the write does not need Redis");
    let _back = bazaar_kv::testing::OwnRedis::start(port);
    // Within 10 s: a Redis restart is noticed within about a second (the reconnect backoff cap),
    // and 10 s is well under the pages' 30 s lifetime, so this shows the restored subscription
    // clearing the caches, not the pages expiring.
    for gateway in [&b, &a] {
        eventually_within(gateway, &path, 500, |page| page["total_stock"] == 3).await;
    }
}

/// A chat socket on gateway B while the test's own Redis is killed and comes back: what was
/// published in between never arrived, so the socket is told to `resync` (and stays open); and the
/// first message sent through gateway A afterwards is pushed to it, although A's command
/// connection only finds out it was dropped when that message is published.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_chat_socket_is_told_to_resync_after_a_redis_gap() {
    let Some(OwnRedisPair { redis, a, b, seller, shop }) = two_gateways_on_their_own_redis().await else { return };
    let buyer = a.register().await;
    let conversation = a.open_conversation(&buyer, shop).await;
    let mut seller_socket = b.chat(&seller).await;
    let port = redis.kill();
    let _back = bazaar_kv::testing::OwnRedis::start(port);
    let resync = tokio::time::timeout(Duration::from_secs(10), seller_socket.next_of("resync")).await;
    assert!(resync.is_ok(), "no resync within 10 s of Redis coming back");
    let mut buyer_socket = a.chat(&buyer).await;
    let sent = buyer_socket.say(conversation, "after-gap-1", "还在吗").await;
    assert_eq!(sent["type"], "sent", "{sent}");
    let pushed = tokio::time::timeout(Duration::from_secs(10), seller_socket.next_of("message")).await;
    let pushed = pushed.expect("the message crossed gateways again");
    assert_eq!(pushed["message"]["text"], "还在吗", "{pushed}");
}
