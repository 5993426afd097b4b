//! Paying the way a phone does: open a trade for a checkout, hand what it returns to the sandbox
//! wallet, and wait for the provider's notification to make the order paid.

use crate::{TestApp, User};
use serde_json::{Value, json};
use std::time::Duration;

/// Every provider and channel the API offers.
pub const PROVIDERS: [&str; 3] = ["alipay", "wechatpay", "unionpay"];
pub const CHANNELS: [&str; 3] = ["app", "qr", "h5"];

impl TestApp {
    /// Opens a trade; asserts 201 and returns the payment.
    pub async fn create_payment(&self, buyer: &User, checkout_id: i64, provider: &str, channel: &str) -> Value {
        let response = self
            .post_as(
                buyer,
                "/api/v1/payments",
                &json!({ "checkout_id": checkout_id, "provider": provider, "channel": channel }),
            )
            .await;
        let status = response.status();
        let body: Value = response.json().await.expect("payment JSON");
        assert_eq!(status, 201, "create payment: {body}");
        body
    }

    /// What the phone hands the wallet for this payment: the order string, QR content, prepay id,
    /// code URL, tn, or (for page channels) the cashier page the link leads to.
    pub async fn wallet_reference(&self, payment: &Value) -> String {
        let pay = &payment["pay"];
        for field in ["order_string", "qr_code", "code_url", "prepay_id", "tn", "h5_url"] {
            if let Some(reference) = pay[field].as_str() {
                return reference.to_string();
            }
        }
        // Alipay's wap URL is a signed gateway.do link that redirects the browser to the cashier.
        let url = pay["url"].as_str().expect("a way to pay");
        let response = self.client.get(url).send().await.expect("open the payment page");
        assert_eq!(response.status(), 302, "the wap link should lead to the cashier");
        response.headers()["location"].to_str().expect("location").to_string()
    }

    /// The sandbox wallet acts on a payment; returns (status, body).
    pub async fn wallet(&self, payment: &Value, options: Value) -> (u16, Value) {
        let mut body = options;
        body["reference"] = json!(self.wallet_reference(payment).await);
        let response = self.post_json("/sandbox/wallet/pay", &body).await;
        let status = response.status().as_u16();
        (status, response.json().await.unwrap_or(Value::Null))
    }

    /// The payment once it reaches `status` (notifications arrive asynchronously; timeouts and the
    /// reconciler take seconds, so this waits up to 15 s on a busy CI machine).
    pub async fn payment_when(&self, user: &User, payment_id: &Value, status: &str) -> Value {
        let mut last = Value::Null;
        for _ in 0..300 {
            last = self.get_as(user, &format!("/api/v1/payments/{payment_id}")).await.json().await.expect("payment");
            if last["status"] == status {
                return last;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("payment never became {status}: {last}");
    }

    /// The notifications stored for a payment (admin view) once there are at least `count`
    /// (deliveries arrive asynchronously, from the sandbox's own task).
    pub async fn stored_notifications(&self, admin: &User, payment_id: &Value, count: usize) -> Vec<Value> {
        let mut last: Vec<Value> = Vec::new();
        for _ in 0..300 {
            last = serde_json::from_value(
                self.items_as(admin, &format!("/api/v1/admin/payments/{payment_id}/notifications")).await,
            )
            .unwrap_or_default();
            if last.len() >= count {
                return last;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("fewer than {count} notifications stored: {last:?}");
    }

    /// The order as its buyer sees it.
    pub async fn order(&self, buyer: &User, order_id: i64) -> Value {
        self.get_as(buyer, &format!("/api/v1/orders/{order_id}")).await.json().await.expect("order")
    }

    /// The order once it has left `pending_payment` (a payment's notification arrives on its own).
    pub async fn order_when_paid(&self, buyer: &User, order_id: i64) -> Value {
        let mut order = self.order(buyer, order_id).await;
        for _ in 0..300 {
            if order["status"] != "pending_payment" {
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
            order = self.order(buyer, order_id).await;
        }
        order
    }

    /// `buyer` orders `quantity` of `product`'s first SKU and pays it in the sandbox wallet; the
    /// order's id once it is paid.
    pub async fn paid_order(&self, buyer: &User, product: &Value, quantity: i32) -> i64 {
        let checkout = self.place_checkout(buyer, &[(&product["skus"][0]["id"], quantity)]).await;
        let order_id = checkout["orders"][0]["id"].as_i64().expect("an order");
        let checkout_id = checkout["checkout_id"].as_i64().expect("a checkout");
        let payment = self.create_payment(buyer, checkout_id, "alipay", "app").await;
        let (status, body) = self.wallet(&payment, json!({})).await;
        assert_eq!(status, 200, "the wallet pays: {body}");
        assert_eq!(self.order_when_paid(buyer, order_id).await["status"], "paid");
        order_id
    }

    /// `owner` orders `quantity` of `product`'s first SKU, opens an app payment and shares it:
    /// (the order's id, the owner's own payment, the share with its `code` and `link`).
    pub async fn shared_checkout(&self, owner: &User, product: &Value, quantity: i32) -> (i64, Value, Value) {
        let checkout = self.place_checkout(owner, &[(&product["skus"][0]["id"], quantity)]).await;
        let order_id = checkout["orders"][0]["id"].as_i64().expect("an order");
        let checkout_id = checkout["checkout_id"].as_i64().expect("a checkout");
        let mine = self.create_payment(owner, checkout_id, "alipay", "app").await;
        let path = format!("/api/v1/payments/{}/share", mine["id"]);
        let shared = self.post_as(owner, &path, &serde_json::json!({})).await.json().await.expect("share");
        (order_id, mine, shared)
    }

    /// The sandbox's delivery log for a trade once `acknowledged` deliveries have been acknowledged.
    pub async fn deliveries_when(&self, out_trade_no: &Value, acknowledged: usize) -> Vec<Value> {
        let mut last: Vec<Value> = Vec::new();
        for _ in 0..300 {
            last = self
                .get(&format!(
                    "/sandbox/wallet/notifications?out_trade_no={}",
                    out_trade_no.as_str().unwrap_or_default()
                ))
                .await
                .json()
                .await
                .expect("deliveries");
            if last.iter().filter(|delivery| delivery["acknowledged"] == true).count() >= acknowledged {
                return last;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("fewer than {acknowledged} deliveries acknowledged: {last:?}");
    }
}
