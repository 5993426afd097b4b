//! Payments behind a load balancer: two gateways on one database (PostgreSQL + Redis in CI) using
//! one gateway's sandboxes. A trade opened through either is paid at the shared sandbox, its
//! notification applied by whichever gateway receives it, and a lost notification is found by the
//! other gateway's reconciler.

use bazaar_payments::keys::SandboxKeys;
use bazaar_tests::catalog::simple;
use bazaar_tests::{Backend, TestApp, on_both_backends};
use serde_json::json;

on_both_backends!(two_gateways_share_one_sandbox, a_real_provider_is_only_configuration);

async fn two_gateways_share_one_sandbox(backend: Backend) {
    let Some(first) = TestApp::spawn(backend).await else { return };
    let shared = first.url("");
    // The second gateway uses the first's sandboxes and reconciles every second.
    let second = first
        .spawn_sibling_with(|c| {
            c.crates.sandbox_payments.sandbox_payments_url = Some(shared.clone());
            c.crates.payments.payment_reconcile_interval_secs = 1;
            c.crates.payments.payment_query_after_secs = 1;
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

/// A gateway with no sandbox of its own, configured exactly as for the real providers (gateway
/// URLs, ids, key files), pointed at another gateway's sandboxes: payments work unchanged.
async fn a_real_provider_is_only_configuration(backend: Backend) {
    let Some(sandbox) = TestApp::spawn(backend).await else { return };
    let keys =
        SandboxKeys::load_or_generate(sandbox.app_state.config.crates.payments.payment_keys_dir.as_ref().unwrap())
            .unwrap();
    let files = tempfile::tempdir().unwrap();
    let write = |name: &str, pem: &str| {
        let path = files.path().join(name);
        std::fs::write(&path, pem).unwrap();
        Some(path)
    };
    let base = sandbox.url("");
    let merchant = sandbox
        .spawn_sibling_with(|c| {
            c.sandbox = false;
            c.crates.payments.payment_keys_dir = None;
            c.crates.payments.alipay_gateway_url = Some(format!("{base}/sandbox/alipay/gateway.do"));
            c.crates.payments.alipay_app_id = Some(keys.alipay_app_id.clone());
            c.crates.payments.alipay_app_private_key_file = write("alipay-app.pem", &keys.alipay_app.private_pem);
            c.crates.payments.alipay_public_key_file = write("alipay-public.pem", &keys.alipay_platform.public_pem);
            c.crates.payments.wechatpay_base_url = Some(format!("{base}/sandbox/wechatpay"));
            c.crates.payments.wechatpay_mchid = Some(keys.wechat_mchid.clone());
            c.crates.payments.wechatpay_appid = Some(keys.wechat_appid.clone());
            c.crates.payments.wechatpay_merchant_serial_no = Some(keys.wechat_merchant_serial.clone());
            c.crates.payments.wechatpay_private_key_file =
                write("wechat-merchant.pem", &keys.wechat_merchant.private_pem);
            c.crates.payments.wechatpay_platform_public_key_file =
                write("wechat-platform.pem", &keys.wechat_platform.public_pem);
            c.crates.payments.wechatpay_platform_public_key_id = Some(keys.wechat_platform_key_id.clone());
            c.crates.payments.wechatpay_apiv3_key = Some(keys.wechat_apiv3_key.clone());
        })
        .await;
    assert!(merchant.app_state.pay_sandbox.is_none(), "no sandbox on the merchant gateway");
    assert_eq!(merchant.get("/sandbox/wallet/notifications?out_trade_no=x").await.status(), 404);
    // Accounts are made through the sandbox gateway, whose SMS outbox shows the codes; they are
    // the same accounts on the merchant gateway (one database, one signing secret).
    let admin = sandbox.admin().await;
    let (seller, shop) = sandbox.seller(&admin).await;
    let product =
        merchant.publish_product(&seller, &simple(shop, merchant.category("Snacks").await, "锅贴", "7.00", 10)).await;
    let buyer = sandbox.register().await;
    for provider in ["alipay", "wechatpay"] {
        let checkout = merchant.place_checkout(&buyer, &[(&product["skus"][0]["id"], 1)]).await;
        let payment = merchant.create_payment(&buyer, checkout["checkout_id"].as_i64().unwrap(), provider, "app").await;
        let (status, _) = sandbox.wallet(&payment, json!({})).await;
        assert_eq!(status, 200, "{provider}");
        merchant.payment_when(&buyer, &payment["id"], "paid").await;
    }
    // UnionPay has no keys here and no sandbox: it is not offered.
    let checkout = merchant.place_checkout(&buyer, &[(&product["skus"][0]["id"], 1)]).await;
    let refused = merchant
        .post_as(
            &buyer,
            "/api/v1/payments",
            &json!({ "checkout_id": checkout["checkout_id"], "provider": "unionpay", "channel": "app" }),
        )
        .await;
    let problem = bazaar_tests::problem(refused).await;
    assert_eq!((problem["code"].as_str(), problem["field"].as_str()), (Some("provider_unavailable"), Some("provider")));
}
