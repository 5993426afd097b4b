//! The black-box test harness: `TestApp::spawn(backend)` boots the real gateway on port 0 with its
//! own database (a temporary SQLite file, or a fresh PostgreSQL database dropped afterwards) and its
//! own kv (in-process, or Redis under a random prefix), and talks to it over real HTTP.

use bazaar_db::testing::{POSTGRES_ENV, TestDatabase};
use bazaar_gateway::app::ServerHandle;
use bazaar_gateway::{Application, Config};
use bazaar_kv::testing::{redis_url_from_env, unique_prefix};
use serde_json::Value;
use std::net::SocketAddr;

pub mod browser;
pub mod catalog;
pub mod chat;
mod draws;
pub mod h5;
mod orders;
pub mod payments;
pub mod promotions;
pub mod search;
mod users;
pub use users::{PASSWORD, User, fresh_phone};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// SQLite and the in-process kv: what `cargo run` gives a new user.
    Sqlite,
    /// PostgreSQL, with Redis when `BAZAAR_TEST_REDIS_URL` is set: the production shape.
    Postgres,
}

pub struct TestApp {
    pub addr: SocketAddr,
    pub client: reqwest::Client,
    pub app_state: bazaar_gateway::state::AppState,
    handle: ServerHandle,
    /// The first gateway owns the test database; siblings share it.
    _database: Option<TestDatabase>,
    _data_dir: tempfile::TempDir,
}

impl TestApp {
    /// Boots a gateway on `backend`; `None` when that backend is not available on this machine
    /// (PostgreSQL without `BAZAAR_TEST_POSTGRES_URL`; under CI that is a failure instead).
    pub async fn spawn(backend: Backend) -> Option<TestApp> {
        TestApp::spawn_with(backend, |_| {}).await
    }

    /// As [`TestApp::spawn`], with the configuration adjusted first.
    pub async fn spawn_with(backend: Backend, adjust: impl FnOnce(&mut Config)) -> Option<TestApp> {
        let database = match backend {
            Backend::Sqlite => TestDatabase::sqlite(),
            Backend::Postgres => {
                let Some(url) = bazaar_core_env(POSTGRES_ENV) else {
                    eprintln!("{POSTGRES_ENV} not set: skipping the PostgreSQL run of this test");
                    return None;
                };
                TestDatabase::postgres(&url).expect("create a PostgreSQL test database")
            }
        };
        let data_dir = tempfile::tempdir().expect("a temporary data directory");
        let mut config = Config {
            port: 0,
            data_dir: data_dir.path().to_path_buf(),
            database_url: Some(url_string(database.url())),
            db_pool_size: 4,
            workers: 1,
            shutdown_timeout_secs: 1,
            ..Config::default()
        };
        // Cheap hashing in tests only (the real cost is OWASP's; see benchmarks).
        config.crates.identity.password_hash_memory_kib = 256;
        config.crates.identity.password_hash_iterations = 1;
        // Every test client is 127.0.0.1: per-IP limits are tested where a test sets them.
        config.crates.identity.otp_per_ip_per_hour = 1_000_000;
        config.crates.identity.otp_global_per_minute = 1_000_000;
        config.crates.identity.password_attempts_per_ip_per_hour = 1_000_000;
        // One sandbox key set for every test gateway: generating RSA keys per test costs ~1 s.
        config.crates.payments.payment_keys_dir = Some(std::env::temp_dir().join("bazaar-test-payment-keys"));
        // Reconciliation waits unless a test wants it; sandbox notifications retry quickly.
        config.crates.payments.payment_reconcile_interval_secs = 3_600;
        config.crates.sandbox_payments.sandbox_notify_retry_ms = "50,100,200,400,800".into();
        if backend == Backend::Postgres {
            // The suites need the sandbox (SMS outbox, payment sandboxes) on PostgreSQL too.
            config.sandbox_force = true;
            config.redis_url = redis_url_from_env();
            config.redis_prefix = unique_prefix();
        }
        adjust(&mut config);
        Some(TestApp::start(config, Some(database), data_dir).await)
    }

    async fn start(config: Config, database: Option<TestDatabase>, data_dir: tempfile::TempDir) -> TestApp {
        let app = Application::build(config).await.expect("the gateway starts");
        let addr = app.local_addr();
        let app_state = app.state().clone();
        let handle = app.handle();
        tokio::spawn(app.run_until_stopped());
        let client = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().expect("client");
        TestApp { addr, client, app_state, handle, _database: database, _data_dir: data_dir }
    }

    /// A second gateway on the same database, kv and JWT secret, as behind a load balancer.
    pub async fn spawn_sibling(&self) -> TestApp {
        self.spawn_sibling_with(|_| {}).await
    }

    /// As [`TestApp::spawn_sibling`], with the configuration adjusted first.
    pub async fn spawn_sibling_with(&self, adjust: impl FnOnce(&mut Config)) -> TestApp {
        let data_dir = tempfile::tempdir().expect("a temporary data directory");
        let mut config = (*self.app_state.config).clone();
        config.data_dir = data_dir.path().to_path_buf();
        config.crates.search.search_index_dir = None;
        config.port = 0;
        adjust(&mut config);
        TestApp::start(config, None, data_dir).await
    }

    /// Stops this gateway gracefully (its database stays, for a sibling or a restart).
    pub async fn stop(&self) {
        self.handle.stop(true).await;
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client.get(self.url(path)).send().await.expect("request sent")
    }

    pub async fn post_json(&self, path: &str, body: &Value) -> reqwest::Response {
        self.client.post(self.url(path)).json(body).send().await.expect("request sent")
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        // `stop` sends the command at once; the returned future only waits for completion.
        drop(self.handle.stop(false));
    }
}

fn bazaar_core_env(var: &str) -> Option<String> {
    bazaar_core::test_env::backend_url_from_env(var)
}

fn url_string(url: &bazaar_db::DatabaseUrl) -> String {
    match url {
        bazaar_db::DatabaseUrl::Sqlite(path) => format!("sqlite://{}", path.display()),
        bazaar_db::DatabaseUrl::Postgres(raw) => raw.clone(),
    }
}

/// Reads a problem+json body, checking the media type on the way.
pub async fn problem(response: reqwest::Response) -> Value {
    let content_type =
        response.headers().get("content-type").and_then(|v| v.to_str().ok()).unwrap_or_default().to_string();
    assert_eq!(content_type, "application/problem+json", "status {}", response.status());
    response.json().await.expect("a JSON problem document")
}

/// Declares each listed `async fn name(backend: Backend)` as two tests, `sqlite::name` and
/// `postgres::name`, so every black-box test runs on both storage backends.
#[macro_export]
macro_rules! on_both_backends {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    super::$name($crate::Backend::Sqlite).await
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    super::$name($crate::Backend::Postgres).await
                }
            )*
        }
    };
}
