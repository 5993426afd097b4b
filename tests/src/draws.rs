//! Playing lucky draws as the app does: `POST /api/v1/draws/{id}/play` with an Idempotency-Key.

use crate::{TestApp, User};
use serde_json::Value;

impl TestApp {
    /// `user` plays `draw` once under `key`; the answer as it came.
    pub async fn play_draw(&self, user: &User, draw: &Value, key: &str) -> reqwest::Response {
        self.client
            .post(self.url(&format!("/api/v1/draws/{}/play", draw["id"])))
            .bearer_auth(&user.access_token)
            .header("idempotency-key", key)
            .send()
            .await
            .expect("play")
    }

    /// As [`TestApp::play_draw`], expecting the play to be taken; what it came to.
    pub async fn played_draw(&self, user: &User, draw: &Value, key: &str) -> Value {
        let response = self.play_draw(user, draw, key).await;
        let status = response.status();
        let body: Value = response.json().await.expect("play");
        assert_eq!(status, 200, "{body}");
        body
    }
}
