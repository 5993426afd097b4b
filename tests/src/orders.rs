//! Placing an order the way the app does: an address, then the order with an idempotency key.

use crate::{TestApp, User};
use serde_json::{Value, json};

impl TestApp {
    /// Places one order of `quantity` × `sku_id` for `buyer` (to a fresh address); its id.
    pub async fn place_order(&self, buyer: &User, sku_id: &Value, quantity: i32) -> i64 {
        let checkout = self.place_checkout(buyer, &[(sku_id, quantity)]).await;
        checkout["orders"][0]["id"].as_i64().expect("order id")
    }

    /// Places a checkout of several lines (one order per shop); the checkout result.
    pub async fn place_checkout(&self, buyer: &User, lines: &[(&Value, i32)]) -> Value {
        let items: Vec<Value> =
            lines.iter().map(|(sku_id, quantity)| json!({ "sku_id": sku_id, "quantity": quantity })).collect();
        let response = self.try_order(buyer, None, json!(items)).await;
        let status = response.status();
        let body = response.json::<Value>().await.expect("checkout");
        assert_eq!(status, 201, "{body}");
        body
    }

    /// A fresh address of the buyer's; its id.
    pub async fn add_address(&self, buyer: &User) -> Value {
        let address: Value = self
            .post_as(
                buyer,
                "/api/v1/me/addresses",
                &json!({ "recipient": "赵六", "phone": buyer.phone, "province": "江苏省",
                     "city": "苏州市", "district": "姑苏区", "detail": "平江路 8 号" }),
            )
            .await
            .json()
            .await
            .expect("address");
        address["id"].clone()
    }

    /// Asks to place `items` (a JSON array of lines) to a fresh address of the buyer, under
    /// `key` (or one of its own); the answer as it came, for tests of refusals.
    pub async fn try_order(&self, buyer: &User, key: Option<&str>, items: Value) -> reqwest::Response {
        let address = self.add_address(buyer).await;
        let key = key.map_or_else(|| format!("k-{address}"), str::to_string);
        self.client
            .post(self.url("/api/v1/orders"))
            .bearer_auth(&buyer.access_token)
            .header("idempotency-key", key)
            .json(&json!({ "address_id": address, "items": items }))
            .send()
            .await
            .expect("order request")
    }
}
