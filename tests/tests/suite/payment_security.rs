//! Notifications that are not genuine, or not about what we sold, are refused: forged signatures,
//! changed bytes, another merchant's app id, a wrong amount, an unknown trade. Each is answered as a
//! failure in the provider's dialect, stored for audit as `rejected`, and leaves the order unpaid.
//! The forgeries are built with the sandbox providers' real keys, so only the checked field is off.

use bazaar_payments::alipay::{encode_form, signing_string};
use bazaar_payments::crypto::{PrivateKey, aes_gcm_encrypt, generate_key_pair};
use bazaar_payments::keys::SandboxKeys;
use bazaar_payments::unionpay::signing_digest;
use bazaar_payments::wechat::response_message;
use bazaar_tests::catalog::simple;
use bazaar_tests::{Backend, TestApp, User, on_both_backends};
use serde_json::{Value, json};

on_both_backends!(
    forged_alipay_notifications_are_rejected,
    forged_wechatpay_notifications_are_rejected,
    forged_unionpay_notifications_are_rejected,
);

struct Case {
    buyer: User,
    admin: User,
    order_id: i64,
    payment: Value,
    keys: SandboxKeys,
}

/// An order and a pending trade for it at `provider`.
async fn case(app: &TestApp, provider: &str) -> Case {
    let admin = app.admin().await;
    let (seller, shop) = app.seller(&admin).await;
    let product = app.publish_product(&seller, &simple(shop, app.category("Snacks").await, "粽子", "12.00", 10)).await;
    let buyer = app.register().await;
    let checkout = app.place_checkout(&buyer, &[(&product["skus"][0]["id"], 1)]).await;
    let payment = app.create_payment(&buyer, checkout["checkout_id"].as_i64().unwrap(), provider, "qr").await;
    let dir = app.app_state.config.crates.payments.payment_keys_dir.clone().expect("tests set payment_keys_dir");
    let keys = SandboxKeys::load_or_generate(&dir).expect("sandbox keys");
    Case { buyer, admin, order_id: checkout["orders"][0]["id"].as_i64().unwrap(), payment, keys }
}

/// Posts a notification; returns status and body.
async fn deliver(
    app: &TestApp,
    provider: &str,
    content_type: &str,
    headers: &[(String, String)],
    body: String,
) -> (u16, String) {
    let mut request = app
        .client
        .post(app.url(&format!("/api/v1/payments/notify/{provider}")))
        .header("content-type", content_type)
        .body(body);
    for (name, value) in headers {
        request = request.header(name, value);
    }
    let response = request.send().await.expect("notify sent");
    (response.status().as_u16(), response.text().await.unwrap_or_default())
}

/// The order is still unpaid and every notification so far was stored as rejected.
async fn untouched(app: &TestApp, case: &Case, expected_rejections: usize) {
    assert_eq!(app.order(&case.buyer, case.order_id).await["status"], "pending_payment");
    let payment = app.get_as(&case.buyer, &format!("/api/v1/payments/{}", case.payment["id"])).await;
    assert_eq!(payment.json::<Value>().await.unwrap()["status"], "pending");
    let stored: Vec<Value> = serde_json::from_value(
        app.items_as(&case.admin, &format!("/api/v1/admin/payments/{}/notifications", case.payment["id"])).await,
    )
    .unwrap_or_default();
    assert!(stored.iter().all(|n| n["outcome"] == "rejected"), "nothing was applied: {stored:?}");
    // Every refusal is stored, including those that could not even be tied to a trade.
    let rejected: Vec<Value> =
        serde_json::from_value(app.items_as(&case.admin, "/api/v1/admin/payment-notifications?outcome=rejected").await)
            .unwrap_or_default();
    assert_eq!(rejected.len(), expected_rejections, "{rejected:?}");
    assert!(rejected.iter().all(|n| !n["detail"].as_str().unwrap_or_default().is_empty()), "each says why");
}

fn alipay_form(case: &Case, app_id: &str, amount: &str, key: &PrivateKey) -> String {
    let mut fields: Vec<(String, String)> = [
        ("notify_type", "trade_status_sync"),
        ("notify_id", "n1"),
        ("sign_type", "RSA2"),
        ("charset", "utf-8"),
        ("app_id", app_id),
        ("out_trade_no", case.payment["out_trade_no"].as_str().unwrap()),
        ("trade_no", "2026112322001"),
        ("trade_status", "TRADE_SUCCESS"),
        ("total_amount", amount),
    ]
    .iter()
    .map(|(key, value)| (key.to_string(), value.to_string()))
    .collect();
    let sign = key.sign(signing_string(&fields, true).as_bytes()).unwrap();
    fields.push(("sign".into(), sign));
    encode_form(&fields)
}

async fn forged_alipay_notifications_are_rejected(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else { return };
    let case = case(&app, "alipay").await;
    let platform = PrivateKey::from_pem(&case.keys.alipay_platform.private_pem).unwrap();
    let stranger = PrivateKey::from_pem(&generate_key_pair().unwrap().0).unwrap();
    let app_id = case.keys.alipay_app_id.clone();
    let form = "application/x-www-form-urlencoded";
    let attempts = [
        ("signed by someone else", alipay_form(&case, &app_id, "22.00", &stranger)),
        ("another merchant's app id", alipay_form(&case, "2021999999999999", "22.00", &platform)),
        ("wrong amount", alipay_form(&case, &app_id, "0.01", &platform)),
        ("changed after signing", alipay_form(&case, &app_id, "22.00", &platform).replace("22.00", "22.01")),
    ];
    for (why, body) in attempts {
        let (status, text) = deliver(&app, "alipay", form, &[], body).await;
        assert_eq!((status, text.as_str()), (400, "fail"), "{why}");
    }
    untouched(&app, &case, 4).await;
    // The genuine one still works afterwards.
    let (status, text) = deliver(&app, "alipay", form, &[], alipay_form(&case, &app_id, "22.00", &platform)).await;
    assert_eq!((status, text.as_str()), (200, "success"));
    assert_eq!(app.order(&case.buyer, case.order_id).await["status"], "paid");
}

/// A WeChat Pay callback for the case's trade, signed with `key`, under `key_id`.
fn wechat_callback(
    case: &Case,
    mchid: &str,
    total: i64,
    key: &PrivateKey,
    apiv3_key: &str,
) -> (Vec<(String, String)>, String) {
    let transaction = json!({
        "appid": case.keys.wechat_appid, "mchid": mchid,
        "out_trade_no": case.payment["out_trade_no"], "transaction_id": "4200000001",
        "trade_state": "SUCCESS", "amount": { "total": total, "currency": "CNY" },
    });
    let nonce = "abcdefghijkl";
    let ciphertext =
        aes_gcm_encrypt(apiv3_key.as_bytes(), nonce.as_bytes(), b"transaction", transaction.to_string().as_bytes())
            .unwrap();
    let body = json!({
        "id": "EV-1", "event_type": "TRANSACTION.SUCCESS", "resource_type": "encrypt-resource",
        "resource": { "algorithm": "AEAD_AES_256_GCM", "ciphertext": ciphertext, "associated_data": "transaction",
                      "nonce": nonce, "original_type": "transaction" },
    })
    .to_string();
    let timestamp = chrono::Utc::now().timestamp().to_string();
    let signature = key.sign(&response_message(&timestamp, "NONCE", body.as_bytes())).unwrap();
    let headers = vec![
        ("Wechatpay-Timestamp".to_string(), timestamp),
        ("Wechatpay-Nonce".to_string(), "NONCE".to_string()),
        ("Wechatpay-Serial".to_string(), case.keys.wechat_platform_key_id.clone()),
        ("Wechatpay-Signature".to_string(), signature),
        ("Wechatpay-Signature-Type".to_string(), "WECHATPAY2-SHA256-RSA2048".to_string()),
    ];
    (headers, body)
}

async fn forged_wechatpay_notifications_are_rejected(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else { return };
    let case = case(&app, "wechatpay").await;
    let platform = PrivateKey::from_pem(&case.keys.wechat_platform.private_pem).unwrap();
    let stranger = PrivateKey::from_pem(&generate_key_pair().unwrap().0).unwrap();
    let (mchid, key) = (case.keys.wechat_mchid.clone(), case.keys.wechat_apiv3_key.clone());
    let mut attempts = vec![
        ("signed by someone else", wechat_callback(&case, &mchid, 2200, &stranger, &key)),
        ("another merchant", wechat_callback(&case, "1900000999", 2200, &platform, &key)),
        ("wrong amount", wechat_callback(&case, &mchid, 1, &platform, &key)),
        (
            "encrypted under another API v3 key",
            wechat_callback(&case, &mchid, 2200, &platform, "0123456789abcdef0123456789abcdef"),
        ),
    ];
    let (headers, body) = wechat_callback(&case, &mchid, 2200, &platform, &key);
    // One changed byte in the raw body: the signature covers the exact bytes.
    attempts.push(("changed after signing", (headers, body.replacen("EV-1", "EV-2", 1))));
    let count = attempts.len();
    for (why, (headers, body)) in attempts {
        let (status, text) = deliver(&app, "wechatpay", "application/json", &headers, body).await;
        assert_eq!(status, 400, "{why}: {text}");
        assert_eq!(serde_json::from_str::<Value>(&text).unwrap()["code"], "FAIL", "{why}");
    }
    untouched(&app, &case, count).await;
    let (headers, body) = wechat_callback(&case, &mchid, 2200, &platform, &key);
    let (status, _) = deliver(&app, "wechatpay", "application/json", &headers, body).await;
    assert_eq!(status, 204);
    assert_eq!(app.order(&case.buyer, case.order_id).await["status"], "paid");
}

fn unionpay_form(case: &Case, mer_id: &str, amount: &str, key: &PrivateKey) -> String {
    let mut fields: Vec<(String, String)> = [
        ("merId", mer_id),
        ("orderId", case.payment["out_trade_no"].as_str().unwrap()),
        ("queryId", "Q1"),
        ("respCode", "00"),
        ("txnAmt", amount),
        ("currencyCode", "156"),
        ("txnType", "01"),
    ]
    .iter()
    .map(|(key, value)| (key.to_string(), value.to_string()))
    .collect();
    let signature = key.sign(signing_digest(&fields).as_bytes()).unwrap();
    fields.push(("signature".into(), signature));
    encode_form(&fields)
}

async fn forged_unionpay_notifications_are_rejected(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else { return };
    let case = case(&app, "unionpay").await;
    let platform = PrivateKey::from_pem(&case.keys.unionpay_platform.private_pem).unwrap();
    let stranger = PrivateKey::from_pem(&generate_key_pair().unwrap().0).unwrap();
    let mer_id = case.keys.unionpay_mer_id.clone();
    let form = "application/x-www-form-urlencoded";
    let attempts = [
        ("signed by someone else", unionpay_form(&case, &mer_id, "2200", &stranger)),
        ("another merchant", unionpay_form(&case, "777290058119999", "2200", &platform)),
        ("wrong amount", unionpay_form(&case, &mer_id, "1", &platform)),
    ];
    for (why, body) in attempts {
        let (status, _) = deliver(&app, "unionpay", form, &[], body).await;
        assert_eq!(status, 400, "{why}");
    }
    untouched(&app, &case, 3).await;
    let (status, text) = deliver(&app, "unionpay", form, &[], unionpay_form(&case, &mer_id, "2200", &platform)).await;
    assert_eq!((status, text.as_str()), (200, "ok"));
    assert_eq!(app.order(&case.buyer, case.order_id).await["status"], "paid");
}
