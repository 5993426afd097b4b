//! Two gateways on one PostgreSQL and one Redis: what one changes, the other serves on its next
//! read, although each keeps its own product-page cache.

use bazaar_tests::catalog::simple;
use bazaar_tests::{Backend, TestApp};
use serde_json::{Value, json};
use std::time::Duration;

/// Reads `path` from `app` until `check` holds (pub/sub crosses gateways in milliseconds).
async fn eventually(app: &TestApp, path: &str, check: impl Fn(&Value) -> bool) -> Value {
    let mut last = Value::Null;
    for _ in 0..100 {
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
