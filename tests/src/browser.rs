//! A real browser for the H5 storefront's journeys: Debian's Chromium, headless at a phone's
//! viewport, driven over the W3C WebDriver protocol by its `chromedriver`. The protocol is a
//! handful of JSON requests, spoken here with the suite's own HTTP client.
//!
//! With `CI` set a missing browser fails the run; without it the journeys say they skipped.

use serde_json::{Value, json};
use std::os::unix::process::CommandExt;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const CHROMIUM: &str = "/usr/bin/chromium";
const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
/// A common phone: 390 × 844 CSS pixels.
const PHONE: (u32, u32) = (390, 844);
/// Generous: the journeys run alongside the whole suite on a 2-core machine, where a page under
/// PostgreSQL has been seen to take over 10 s to settle. Nothing here measures speed.
const WAIT: Duration = Duration::from_secs(30);

pub struct Browser {
    driver: Child,
    http: reqwest::Client,
    session: String,
}

pub struct Element<'a> {
    browser: &'a Browser,
    id: String,
}

/// The key W3C WebDriver names an element reference by.
const ELEMENT_KEY: &str = "element-6066-11e4-a52e-4f735466cecf";

impl Browser {
    /// A fresh headless browser (its own profile: no cookies), or `None` when there is none here
    /// and CI is not set.
    pub async fn open(journey: &str) -> Option<Browser> {
        if !std::path::Path::new(CHROMEDRIVER).exists() || !std::path::Path::new(CHROMIUM).exists() {
            assert!(
                std::env::var_os("CI").is_none(),
                "{CHROMIUM} and {CHROMEDRIVER} are needed under CI (.ci/run installs chromium and chromium-driver)"
            );
            eprintln!("skipped {journey}: no Chromium here (apt-get install chromium chromium-driver)");
            return None;
        }
        let port = bazaar_kv::testing::free_port();
        let driver = Command::new(CHROMEDRIVER)
            .arg(format!("--port={port}"))
            // Its own process group, so the browsers it starts go with it.
            .process_group(0)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromedriver starts");
        let http = reqwest::Client::builder().timeout(Duration::from_secs(60)).build().expect("client");
        let base = format!("http://127.0.0.1:{port}");
        let started = Instant::now();
        while http.get(format!("{base}/status")).send().await.is_err() {
            assert!(started.elapsed() < WAIT, "chromedriver did not answer");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let capabilities = json!({ "capabilities": { "alwaysMatch": {
            "browserName": "chrome",
            "goog:chromeOptions": { "binary": CHROMIUM,
                "args": ["--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu"],
                // A phone's screen (a desktop window cannot be narrower than 500 px).
                "mobileEmulation": { "deviceMetrics": { "width": PHONE.0, "height": PHONE.1, "pixelRatio": 3.0 } },
                // A shopper in China: the storefront answers in Chinese to this Accept-Language.
                "prefs": { "intl.accept_languages": "zh-CN,zh" } }
        } } });
        let created: Value = http
            .post(format!("{base}/session"))
            .json(&capabilities)
            .send()
            .await
            .expect("a session")
            .json()
            .await
            .expect("session JSON");
        let session = created["value"]["sessionId"].as_str().unwrap_or_else(|| panic!("no session: {created}"));
        let session = format!("{base}/session/{session}");
        Some(Browser { driver, http, session })
    }

    async fn command(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> Value {
        let mut request = self.http.request(method, format!("{}{path}", self.session));
        request = request.json(&body.unwrap_or_else(|| json!({})));
        let answer: Value = request.send().await.expect("WebDriver answers").json().await.expect("WebDriver JSON");
        answer["value"].clone()
    }

    pub async fn goto(&self, url: &str) {
        let answer = self.command(reqwest::Method::POST, "/url", Some(json!({ "url": url }))).await;
        assert!(answer.is_null(), "navigating to {url}: {answer}");
    }

    pub async fn url(&self) -> String {
        self.command(reqwest::Method::GET, "/url", None).await.as_str().unwrap_or_default().to_string()
    }

    /// The first element matching `css`, waiting for it to appear.
    pub async fn find(&self, css: &str) -> Element<'_> {
        let started = Instant::now();
        loop {
            let found = self.try_find(css).await;
            if let Some(element) = found {
                return element;
            }
            assert!(started.elapsed() < WAIT, "no `{css}` on {} within {WAIT:?}", self.url().await);
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    pub async fn try_find(&self, css: &str) -> Option<Element<'_>> {
        let answer = self
            .command(reqwest::Method::POST, "/element", Some(json!({ "using": "css selector", "value": css })))
            .await;
        answer[ELEMENT_KEY].as_str().map(|id| Element { browser: self, id: id.to_string() })
    }

    /// The page's visible text.
    pub async fn text(&self) -> String {
        self.find("body").await.text().await
    }

    /// Waits until the page's text contains `wanted`.
    pub async fn wait_for_text(&self, wanted: &str) {
        let started = Instant::now();
        loop {
            if self.text().await.contains(wanted) {
                return;
            }
            assert!(started.elapsed() < WAIT, "`{wanted}` never showed on {}: {}", self.url().await, self.text().await);
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Waits until `script` (run in the page) returns `wanted`.
    pub async fn wait_for_script(&self, script: &str, wanted: Value) {
        let started = Instant::now();
        loop {
            let value = self.script(script).await;
            if value == wanted {
                return;
            }
            assert!(started.elapsed() < WAIT, "`{script}` was {value}, never {wanted}, on {}", self.url().await);
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Runs `script` in the page and returns its value.
    pub async fn script(&self, script: &str) -> Value {
        self.command(reqwest::Method::POST, "/execute/sync", Some(json!({ "script": script, "args": [] }))).await
    }

    /// Saves a screenshot of the page under `target/browser-journeys/` (a CI artefact).
    pub async fn screenshot(&self, name: &str) {
        use base64::Engine;
        let png = self.command(reqwest::Method::GET, "/screenshot", None).await;
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/browser-journeys");
        let _ = std::fs::create_dir_all(&dir);
        if let Some(Ok(bytes)) = png.as_str().map(|data| base64::engine::general_purpose::STANDARD.decode(data)) {
            let _ = std::fs::write(dir.join(format!("{name}.png")), bytes);
        }
    }
}

impl Element<'_> {
    async fn command(&self, method: reqwest::Method, what: &str, body: Option<Value>) -> Value {
        self.browser.command(method, &format!("/element/{}{what}", self.id), body).await
    }

    /// Taps the element, scrolled to the middle of the screen first (the tab bar is fixed at the
    /// bottom, as on phones, and would take a tap meant for what is under it).
    pub async fn click(&self) {
        let reference = json!([{ ELEMENT_KEY: self.id }]);
        self.browser
            .command(
                reqwest::Method::POST,
                "/execute/sync",
                Some(json!({ "script": "arguments[0].scrollIntoView({block: 'center'})", "args": reference })),
            )
            .await;
        let answer = self.command(reqwest::Method::POST, "/click", None).await;
        assert!(answer.is_null(), "click: {answer}");
    }

    pub async fn type_text(&self, text: &str) {
        self.command(reqwest::Method::POST, "/clear", None).await;
        let answer = self.command(reqwest::Method::POST, "/value", Some(json!({ "text": text }))).await;
        assert!(answer.is_null(), "typing: {answer}");
    }

    pub async fn text(&self) -> String {
        self.command(reqwest::Method::GET, "/text", None).await.as_str().unwrap_or_default().to_string()
    }

    pub async fn attribute(&self, name: &str) -> Option<String> {
        self.command(reqwest::Method::GET, &format!("/attribute/{name}"), None).await.as_str().map(str::to_string)
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        // The driver's whole process group: chromedriver and the browser it started.
        let _ = Command::new("kill").args(["-KILL", "--", &format!("-{}", self.driver.id())]).status();
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}
