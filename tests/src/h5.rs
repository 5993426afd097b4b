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
    /// The `Cookie` header this visitor sends.
    pub fn cookie_header(&self) -> String {
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

impl Visitor<'_> {
    /// A link the app hands out (absolute, with the public URL) as a path of this server.
    pub fn path_of(&self, link: &str) -> String {
        match link.split_once("://") {
            Some((_, rest)) => rest.find('/').map_or("/".to_string(), |at| rest[at..].to_string()),
            None => link.to_string(),
        }
    }

    /// Pays at the sandbox cashier a provider's H5 link leads to (following Alipay's signed
    /// gateway link to it first), as a shopper tapping "pay" would.
    pub async fn pay_at_cashier(&mut self, link: &str) -> Page {
        let mut path = self.path_of(link);
        if !path.starts_with("/sandbox/wallet/cashier") {
            let hop = self.get(&path).await;
            assert_eq!(hop.status, 302, "the provider's page leads to the cashier: {}", hop.body);
            path = self.path_of(hop.location());
        }
        let cashier = self.get(&path).await;
        assert_eq!(cashier.status, 200, "the cashier shows the trade: {}", cashier.body);
        let query = path.split_once('?').map(|(_, query)| query).unwrap_or_default();
        let reference = form_urlencoded::parse(query.as_bytes())
            .find(|(name, _)| name == "reference")
            .map(|(_, value)| value.into_owned())
            .expect("the cashier link names its trade");
        // The form as the page wrote it, its way back (WeChat Pay's `redirect_url`) included.
        let back = cashier.field("redirect_url").unwrap_or_default();
        let form = [("reference", reference.as_str()), ("action", "pay"), ("redirect_url", back.as_str())];
        let paid = self.post("/sandbox/wallet/cashier", &form).await;
        assert_eq!(paid.status, 200, "{}", paid.body);
        paid
    }

    /// The order's page once its status is `status` (payment notifications arrive on their own).
    pub async fn order_page_when(&mut self, order_path: &str, status: &str) -> Page {
        let wanted = format!("data-status=\"{status}\"");
        for _ in 0..100 {
            let page = self.get(order_path).await;
            if page.body.contains(&wanted) {
                return page;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        panic!("{order_path} never showed {status}");
    }
}

impl Visitor<'_> {
    /// Signs in through the sign-in page's password form.
    pub async fn sign_in_with_password(&mut self, phone: &str, password: &str, next: &str) -> Page {
        let encoded: String = form_urlencoded::byte_serialize(next.as_bytes()).collect();
        let login = self.get(&format!("/m/login?next={encoded}")).await;
        let csrf = login.field("csrf").expect("a CSRF field");
        self.post("/m/login/password", &[("csrf", &csrf), ("next", next), ("phone", phone), ("password", password)])
            .await
    }
}
