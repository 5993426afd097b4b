//! Payments behind a load balancer: two gateways on one database (PostgreSQL + Redis in CI) using
//! one gateway's sandboxes. A trade opened through either is paid at the shared sandbox, its
//! notification applied by whichever gateway receives it, and a lost notification is found by the
//! other gateway's reconciler.

use bazaar_tests::catalog::simple;
use bazaar_tests::{Backend, TestApp, on_both_backends};
use serde_json::json;

on_both_backends!(two_gateways_share_one_sandbox);

async fn two_gateways_share_one_sandbox(backend: Backend) {
    let Some(first) = TestApp::spawn(backend).await else { return };
    let shared = first.url("");
    // The second gateway uses the first's sandboxes and reconciles every second.
    let second = first
        .spawn_sibling_with(|c| {
            c.sandbox_payments_url = Some(shared.clone());
            c.payment_reconcile_interval_secs = 1;
            c.payment_query_after_secs = 1;
        })
        .await;
    let admin = first.admin().await;
    let (seller, shop) = first.seller(&admin).await;
    let product =
        first.publish_product(&seller, &simple(shop, first.category("Snacks").await, "汤圆", "8.00", 10)).await;
    let buyer = first.register().await;
    for (provider, silent) in [("wechatpay", false), ("alipay", false), ("unionpay", true)] {
        let checkout = second.place_checkout(&buyer, &[(&product["skus"][0]["id"], 1)]).await;
        let payment = second.create_payment(&buyer, checkout["checkout_id"].as_i64().unwrap(), provider, "qr").await;
        // The phone pays at the shared sandbox (served by the first gateway).
        let (status, _) = first.wallet(&payment, json!({ "silent": silent })).await;
        assert_eq!(status, 200, "{provider}");
        let paid = first.payment_when(&buyer, &payment["id"], "paid").await;
        assert_eq!(paid["status"], "paid", "{provider}");
        let order = first.order(&buyer, checkout["orders"][0]["id"].as_i64().unwrap()).await;
        assert_eq!(order["status"], "paid", "{provider}");
    }
}
