//! Acting as a phone user: register or log in, then make authenticated requests.

use crate::TestApp;
use serde_json::{Value, json};

/// A signed-in user as the phone app holds it.
#[derive(Debug, Clone)]
pub struct User {
    pub id: i64,
    pub phone: String,
    pub access_token: String,
    pub refresh_token: String,
}

impl User {
    fn from_login(body: &Value) -> User {
        User {
            id: body["user"]["id"].as_i64().expect("user id"),
            phone: body["user"]["phone"].as_str().expect("phone").to_string(),
            access_token: body["access_token"].as_str().expect("access token").to_string(),
            refresh_token: body["refresh_token"].as_str().expect("refresh token").to_string(),
        }
    }
}

/// A mainland mobile number no other call in this process returns.
pub fn fresh_phone() -> String {
    use std::sync::atomic::{AtomicU64, Ordering};
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let n = NEXT.fetch_add(1, Ordering::Relaxed) + u64::from(std::process::id() % 1000) * 100_000;
    format!("139{:08}", n % 100_000_000)
}

pub const PASSWORD: &str = "shop-2026!";

impl TestApp {
    /// Sends `method path` with an optional bearer user and JSON body.
    pub async fn request(
        &self,
        method: reqwest::Method,
        path: &str,
        user: Option<&User>,
        body: Option<&Value>,
    ) -> reqwest::Response {
        let mut request = self.client.request(method, self.url(path));
        if let Some(user) = user {
            request = request.bearer_auth(&user.access_token);
        }
        if let Some(body) = body {
            request = request.json(body);
        }
        request.send().await.expect("request sent")
    }

    pub async fn get_as(&self, user: &User, path: &str) -> reqwest::Response {
        self.request(reqwest::Method::GET, path, Some(user), None).await
    }

    /// The `items` of a list the user reads (every list answers `{items, next_cursor}`).
    pub async fn items_as(&self, user: &User, path: &str) -> Value {
        let page: Value = self.get_as(user, path).await.json().await.expect("a list");
        page["items"].clone()
    }

    pub async fn post_as(&self, user: &User, path: &str, body: &Value) -> reqwest::Response {
        self.request(reqwest::Method::POST, path, Some(user), Some(body)).await
    }

    pub async fn put_as(&self, user: &User, path: &str, body: &Value) -> reqwest::Response {
        self.request(reqwest::Method::PUT, path, Some(user), Some(body)).await
    }

    pub async fn patch_as(&self, user: &User, path: &str, body: &Value) -> reqwest::Response {
        self.request(reqwest::Method::PATCH, path, Some(user), Some(body)).await
    }

    pub async fn delete_as(&self, user: &User, path: &str) -> reqwest::Response {
        self.request(reqwest::Method::DELETE, path, Some(user), None).await
    }

    /// Registers a new buyer with a password.
    pub async fn register(&self) -> User {
        let phone = fresh_phone();
        let response = self.register_with(json!({ "phone": phone, "password": PASSWORD, "nickname": "买家" })).await;
        assert_eq!(response.status(), 201, "register {phone}");
        User::from_login(&response.json().await.expect("login body"))
    }

    /// Registers the way the app does: an SMS code for `body`'s phone (purpose `register`), read
    /// from the sandbox outbox, then the registration with that code added to `body`.
    pub async fn register_with(&self, mut body: Value) -> reqwest::Response {
        let phone = body["phone"].as_str().expect("a phone to register").to_string();
        let sent = self.post_json("/api/v1/auth/otp/send", &json!({ "phone": phone, "purpose": "register" })).await;
        assert_eq!(sent.status(), 202, "otp/send register {phone}");
        body["code"] = json!(self.latest_sms_code(&phone).await);
        self.post_json("/api/v1/auth/register", &body).await
    }

    /// Logs in with the password `register` used.
    pub async fn login(&self, phone: &str) -> User {
        let response = self.post_json("/api/v1/auth/login", &json!({ "phone": phone, "password": PASSWORD })).await;
        assert_eq!(response.status(), 200, "login {phone}");
        User::from_login(&response.json().await.expect("login body"))
    }

    /// The newest SMS the sandbox provider "sent" to `phone`, and the code in it.
    pub async fn latest_sms_code(&self, phone: &str) -> String {
        let messages: Value =
            self.get(&format!("/sandbox/sms/messages?phone={phone}")).await.json().await.expect("messages");
        let body = messages[0]["body"].as_str().expect("an SMS was sent").to_string();
        body.chars().filter(char::is_ascii_digit).take(6).collect()
    }

    /// Logs in by SMS code the way the app does: request a code, read it, send it back.
    pub async fn login_with_sms(&self, phone: &str) -> (User, u16) {
        let sent = self.post_json("/api/v1/auth/otp/send", &json!({ "phone": phone, "purpose": "login" })).await;
        assert_eq!(sent.status(), 202, "otp/send {phone}");
        let code = self.latest_sms_code(phone).await;
        let response = self.post_json("/api/v1/auth/otp/login", &json!({ "phone": phone, "code": code })).await;
        let status = response.status().as_u16();
        assert!(status == 200 || status == 201, "otp/login {phone}: {status}");
        (User::from_login(&response.json().await.expect("login body")), status)
    }

    /// An administrator, made the way an operator does (`bazaar admin create`), then logged in.
    pub async fn admin(&self) -> User {
        let phone = fresh_phone();
        self.app_state
            .identity
            .make_admin(&phone, Some("管理员".into()), Some(PASSWORD.into()))
            .await
            .expect("create an admin");
        self.login(&phone).await
    }

    /// A user whose shop application an admin approved: the owner of shop `.1`.
    pub async fn seller(&self, admin: &User) -> (User, i64) {
        let owner = self.register().await;
        let application = self
            .post_as(
                &owner,
                "/api/v1/shop-applications",
                &json!({
                    "shop_name": "老街茶铺",
                    "main_category": "食品",
                    "licence_number": "91310115MA1K4XXX0X",
                    "contact_phone": owner.phone,
                    "description": "三代人的茶叶店",
                }),
            )
            .await;
        assert_eq!(application.status(), 201);
        let id = application.json::<Value>().await.expect("application")["id"].as_i64().expect("id");
        let approved = self.post_as(admin, &format!("/api/v1/admin/shop-applications/{id}/approve"), &json!({})).await;
        assert_eq!(approved.status(), 200);
        let shop_id = approved.json::<Value>().await.expect("decision")["shop_id"].as_i64().expect("shop id");
        // Roles are carried in access tokens: log in again to hold the seller role.
        (self.login(&owner.phone).await, shop_id)
    }
}
