//! A browser without JavaScript for the H5 pages: follows nothing by itself, keeps cookies, posts
//! forms. What a phone with scripts off (or a crawler, or an attacker) sees.

use crate::TestApp;
use std::collections::BTreeMap;

pub struct Page {
    pub status: u16,
    pub headers: reqwest::header::HeaderMap,
    pub body: String,
}

impl Page {
    pub fn header(&self, name: &str) -> &str {
        self.headers.get(name).and_then(|value| value.to_str().ok()).unwrap_or_default()
    }

    /// Where a redirect points.
    pub fn location(&self) -> &str {
        self.header("location")
    }

    /// The value of the first `name="…" value="…"` hidden field (as the templates write them).
    pub fn field(&self, name: &str) -> Option<String> {
        let marker = format!("name=\"{name}\" value=\"");
        let start = self.body.find(&marker)? + marker.len();
        let end = self.body[start..].find('"')? + start;
        Some(unescape(&self.body[start..end]))
    }

    /// Every `href="…"` of the page, entities decoded.
    pub fn links(&self) -> Vec<String> {
        self.body.split("href=\"").skip(1).filter_map(|rest| rest.split('"').next()).map(unescape).collect()
    }
}

/// What a browser makes of an attribute value (the entities the templates write).
fn unescape(value: &str) -> String {
    value
        .replace("&#38;", "&")
        .replace("&amp;", "&")
        .replace("&#39;", "'")
        .replace("&#34;", "\"")
        .replace("&quot;", "\"")
}

pub struct Visitor<'a> {
    app: &'a TestApp,
    pub cookies: BTreeMap<String, String>,
    /// Every Set-Cookie line seen, for checking their attributes.
    pub set_cookie_lines: Vec<String>,
}

impl TestApp {
    pub fn visitor(&self) -> Visitor<'_> {
        Visitor { app: self, cookies: BTreeMap::new(), set_cookie_lines: Vec::new() }
    }
}

impl Visitor<'_> {
    fn cookie_header(&self) -> String {
        self.cookies.iter().map(|(name, value)| format!("{name}={value}")).collect::<Vec<_>>().join("; ")
    }

    async fn read(&mut self, response: reqwest::Response) -> Page {
        for line in response.headers().get_all("set-cookie") {
            let line = line.to_str().unwrap_or_default().to_string();
            if let Some((pair, _)) = line.split_once(';').or(Some((line.as_str(), "")))
                && let Some((name, value)) = pair.split_once('=')
            {
                if value.is_empty() || line.contains("Max-Age=0") {
                    self.cookies.remove(name.trim());
                } else {
                    self.cookies.insert(name.trim().to_string(), value.trim().to_string());
                }
            }
            self.set_cookie_lines.push(line);
        }
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        Page { status, headers, body: response.text().await.unwrap_or_default() }
    }

    pub async fn get(&mut self, path: &str) -> Page {
        let response = self
            .app
            .client
            .get(self.app.url(path))
            .header("cookie", self.cookie_header())
            .send()
            .await
            .expect("page request");
        self.read(response).await
    }

    pub async fn post(&mut self, path: &str, form: &[(&str, &str)]) -> Page {
        let response = self
            .app
            .client
            .post(self.app.url(path))
            .header("cookie", self.cookie_header())
            .form(form)
            .send()
            .await
            .expect("form post");
        self.read(response).await
    }

    /// Signs in through the sign-in page by SMS code (read from the sandbox outbox).
    pub async fn sign_in_by_sms(&mut self, phone: &str, next: &str) -> Page {
        let encoded: String = form_urlencoded::byte_serialize(next.as_bytes()).collect();
        let login = self.get(&format!("/m/login?next={encoded}")).await;
        let csrf = login.field("csrf").expect("a CSRF field");
        let sent =
            self.post("/m/login/code", &[("csrf", &csrf), ("next", next), ("phone", phone), ("action", "send")]).await;
        assert_eq!(sent.status, 200, "{}", sent.body);
        self.sign_in_with_sent_code(phone, next).await
    }

    /// Signs in with the code last texted to `phone`.
    pub async fn sign_in_with_sent_code(&mut self, phone: &str, next: &str) -> Page {
        let csrf = self.cookies.get("bz_csrf").cloned().unwrap_or_default();
        let code = self.app.latest_sms_code(phone).await;
        self.post(
            "/m/login/code",
            &[("csrf", &csrf), ("next", next), ("phone", phone), ("code", &code), ("action", "login")],
        )
        .await
    }
}
