//! What every fault scenario needs: the real `bazaar` binary as a child process, PostgreSQL
//! clusters and Redis servers of the scenario's own (so they can be stopped, paused and killed
//! without touching the shared servers other suites use), an HTTP client, and a marketplace to
//! fault: an admin, an approved shop, a published product and buyers with addresses.

use serde_json::{Value, json};
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub use bazaar_kv::testing::{OwnRedis, free_port};

pub const PASSWORD: &str = "fault-pass-1";
/// One secret for every gateway of a scenario, so a token from one is valid on the others.
const JWT_SECRET: &str = "fault-suite-secret-shared-by-every-gateway-0123456789";

/// Whether the servers a scenario runs of its own (initdb/pg_ctl, redis-server) are promised
/// here: where the shared test PostgreSQL is configured (CI), which also fails the run if it is
/// not. On a developer's machine without them the scenario says it skipped.
pub fn servers_promised(scenario: &str) -> bool {
    let promised = bazaar_core::test_env::backend_url_from_env("BAZAAR_TEST_POSTGRES_URL").is_some();
    if !promised {
        eprintln!("skipped {scenario}: set BAZAAR_TEST_POSTGRES_URL (as .ci/run does) to run the fault suite");
    }
    promised
}

fn running_as_root() -> bool {
    Command::new("id").arg("-u").output().is_ok_and(|out| String::from_utf8_lossy(&out.stdout).trim() == "0")
}

/// A PostgreSQL server program: on the PATH, or where Debian keeps it (the newest version).
fn pg_program(name: &str) -> String {
    let on_path =
        std::env::var_os("PATH").is_some_and(|path| std::env::split_paths(&path).any(|dir| dir.join(name).is_file()));
    if on_path {
        return name.to_string();
    }
    let mut versions: Vec<_> = std::fs::read_dir("/usr/lib/postgresql")
        .map(|dirs| dirs.filter_map(Result::ok).map(|dir| dir.path().join("bin").join(name)).collect())
        .unwrap_or_default();
    versions.retain(|path: &std::path::PathBuf| path.is_file());
    versions.sort();
    versions.pop().map_or_else(|| name.to_string(), |path| path.display().to_string())
}

/// A command as the `postgres` user when running as root (PostgreSQL refuses to run as root).
fn as_postgres(program: &str) -> Command {
    let program = pg_program(program);
    let program = program.as_str();
    if running_as_root() {
        let mut command = Command::new("runuser");
        command.args(["-u", "postgres", "--", program]);
        command
    } else {
        Command::new(program)
    }
}

fn run(mut command: Command, what: &str) {
    let out = command.stdout(Stdio::null()).output().unwrap_or_else(|err| panic!("{what}: {err}"));
    assert!(out.status.success(), "{what}: {}", String::from_utf8_lossy(&out.stderr));
}

/// A PostgreSQL cluster of the scenario's own on a free port, stopped (immediately) when dropped.
pub struct OwnPostgres {
    dir: tempfile::TempDir,
    pub port: u16,
}

impl OwnPostgres {
    pub fn start() -> OwnPostgres {
        let dir = tempfile::tempdir().expect("tempdir");
        if running_as_root() {
            run(
                {
                    let mut chown = Command::new("chown");
                    chown.arg("postgres").arg(dir.path());
                    chown
                },
                "chown the cluster's directory",
            );
        }
        let mut initdb = as_postgres("initdb");
        initdb.arg("-D").arg(dir.path().join("data")).args(["-A", "trust", "-U", "postgres", "--no-sync"]);
        run(initdb, "initdb");
        let cluster = OwnPostgres { dir, port: free_port() };
        cluster.pg_ctl(&["-w", "start"]);
        cluster
    }

    fn pg_ctl(&self, args: &[&str]) {
        let mut command = as_postgres("pg_ctl");
        let options =
            format!("-p {} -k {} -c listen_addresses=127.0.0.1 -c fsync=off", self.port, self.dir.path().display());
        command
            .arg("-D")
            .arg(self.dir.path().join("data"))
            .arg("-l")
            .arg(self.dir.path().join("log"))
            .args(["-o", &options])
            .args(args);
        run(command, &format!("pg_ctl {args:?}"));
    }

    pub fn url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:{}/postgres", self.port)
    }

    /// As a crash: no checkpoint, every connection cut.
    pub fn stop_immediately(&self) {
        self.pg_ctl(&["-m", "immediate", "stop"]);
    }

    /// Starts it again and returns once it accepts connections.
    pub fn start_again(&self) {
        self.pg_ctl(&["-w", "start"]);
    }
}

impl Drop for OwnPostgres {
    fn drop(&mut self) {
        let mut command = as_postgres("pg_ctl");
        command.arg("-D").arg(self.dir.path().join("data")).args(["-m", "immediate", "stop"]);
        let _ = command.stdout(Stdio::null()).stderr(Stdio::null()).status();
    }
}

/// Sends a signal to a process (`STOP`, `CONT`, `KILL`).
pub fn signal(pid: u32, name: &str) {
    run(
        {
            let mut kill = Command::new("kill");
            kill.arg(format!("-{name}")).arg(pid.to_string());
            kill
        },
        &format!("kill -{name} {pid}"),
    );
}

/// The binary with only what the scenario sets: abuse limits lifted for one loopback client,
/// cheap password hashing, the sandbox (SMS codes are read from its outbox) allowed on
/// PostgreSQL, and one JWT secret for all gateways.
pub fn bazaar(workdir: &Path, settings: &[(&str, String)]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_bazaar"));
    command.current_dir(workdir);
    for (key, _) in std::env::vars_os() {
        if key.to_string_lossy().starts_with("BAZAAR_") {
            command.env_remove(key);
        }
    }
    command
        .env("BAZAAR_PORT", "0")
        .env("BAZAAR_LOG_LEVEL", "error")
        .env("BAZAAR_JWT_SECRET", JWT_SECRET)
        .env("BAZAAR_SANDBOX_FORCE", "true")
        .env("BAZAAR_PASSWORD_HASH_MEMORY_KIB", "1024")
        .env("BAZAAR_PASSWORD_HASH_ITERATIONS", "1")
        .env("BAZAAR_OTP_PER_IP_PER_HOUR", "100000000")
        .env("BAZAAR_OTP_GLOBAL_PER_MINUTE", "100000000")
        .env("BAZAAR_PASSWORD_ATTEMPTS_PER_IP_PER_HOUR", "100000000")
        .env("BAZAAR_MAX_UNPAID_ORDERS_PER_BUYER", "100000000")
        .env("BAZAAR_MAX_RESERVED_UNITS_PER_BUYER", "100000000");
    for (key, value) in settings {
        command.env(key, value);
    }
    command
}

/// Creates the platform administrator through the binary's own command.
pub fn create_admin(workdir: &Path, settings: &[(&str, String)], phone: &str) {
    let created = bazaar(workdir, settings)
        .args(["admin", "create", "--phone", phone])
        .env("BAZAAR_ADMIN_PASSWORD", PASSWORD)
        .output()
        .expect("admin create");
    assert!(created.status.success(), "{}", String::from_utf8_lossy(&created.stderr));
}

/// A running gateway; killed (SIGKILL) when dropped.
pub struct Gateway {
    child: Child,
    pub api: Api,
}

impl Gateway {
    /// Starts the binary in `workdir` and returns once it is ready.
    pub async fn start(workdir: &Path, settings: &[(&str, String)]) -> Gateway {
        let mut child =
            bazaar(workdir, settings).stdout(Stdio::piped()).stderr(Stdio::null()).spawn().expect("bazaar starts");
        let mut line = String::new();
        BufReader::new(child.stdout.take().expect("stdout")).read_line(&mut line).expect("the banner");
        let base = line.split_whitespace().find(|word| word.starts_with("http://")).expect("a URL").to_string();
        let gateway = Gateway { child, api: Api::new(base) };
        gateway.api.ready().await;
        gateway
    }

    /// SIGKILL: no graceful stop, whatever is in flight is cut.
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    pub fn process(&mut self) -> &mut Child {
        &mut self.child
    }
}

impl Drop for Gateway {
    fn drop(&mut self) {
        self.kill();
    }
}

pub struct Api {
    pub client: reqwest::Client,
    pub base: String,
}

/// An answer: its status (0 when the connection was cut), its JSON body, and how long it took.
pub struct Answer {
    pub status: u16,
    pub body: Value,
    pub took: Duration,
}

impl Api {
    pub fn new(base: String) -> Api {
        let client = reqwest::Client::builder().timeout(Duration::from_secs(30)).build().expect("client");
        Api { client, base }
    }

    pub async fn call(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<&Value>,
        token: Option<&str>,
        idempotency_key: Option<&str>,
    ) -> Answer {
        let started = Instant::now();
        let mut request = self.client.request(method, format!("{}{path}", self.base));
        if let Some(body) = body {
            request = request.json(body);
        }
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        if let Some(key) = idempotency_key {
            request = request.header("idempotency-key", key);
        }
        match request.send().await {
            Ok(response) => {
                let status = response.status().as_u16();
                let body = response.json().await.unwrap_or(Value::Null);
                Answer { status, body, took: started.elapsed() }
            }
            // The server was killed under this request.
            Err(_) => Answer { status: 0, body: Value::Null, took: started.elapsed() },
        }
    }

    pub async fn post(&self, path: &str, body: Value, token: Option<&str>) -> Value {
        let answer = self.call(reqwest::Method::POST, path, Some(&body), token, None).await;
        assert!((200..300).contains(&answer.status), "POST {path}: {} {}", answer.status, answer.body);
        answer.body
    }

    pub async fn get(&self, path: &str, token: Option<&str>) -> Value {
        let answer = self.call(reqwest::Method::GET, path, None, token, None).await;
        assert_eq!(answer.status, 200, "GET {path}: {}", answer.body);
        answer.body
    }

    pub async fn status_of(&self, path: &str, token: Option<&str>) -> u16 {
        self.call(reqwest::Method::GET, path, None, token, None).await.status
    }

    pub async fn ready(&self) {
        for _ in 0..400 {
            if self.client.get(format!("{}/readyz", self.base)).send().await.is_ok_and(|r| r.status().is_success()) {
                return;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("bazaar never became ready");
    }

    pub async fn login(&self, phone: &str) -> String {
        let answer = self.post("/api/v1/auth/login", json!({ "phone": phone, "password": PASSWORD }), None).await;
        answer["access_token"].as_str().expect("token").to_string()
    }

    /// Registers `phone` as the app does (an SMS code read from the sandbox outbox); its token.
    pub async fn register(&self, phone: &str) -> String {
        self.post("/api/v1/auth/otp/send", json!({ "phone": phone, "purpose": "register" }), None).await;
        let sent = self.get(&format!("/sandbox/sms/messages?phone={phone}"), None).await;
        let code: String =
            sent[0]["body"].as_str().expect("an SMS").chars().filter(char::is_ascii_digit).take(6).collect();
        let answer = self
            .post("/api/v1/auth/register", json!({ "phone": phone, "password": PASSWORD, "code": code }), None)
            .await;
        answer["access_token"].as_str().expect("token").to_string()
    }
}

pub struct Buyer {
    pub phone: String,
    pub token: String,
    pub address: i64,
}

/// An approved shop with one published product of one SKU, and buyers with an address each.
pub struct Market {
    pub seller: String,
    pub shop: i64,
    pub product: i64,
    pub sku: i64,
    pub buyers: Vec<Buyer>,
}

impl Market {
    /// Opens the market through `api`; the admin must exist (see [`create_admin`]).
    pub async fn open(api: &Api, admin_phone: &str, stock: i64, buyers: usize) -> Market {
        let admin = api.login(admin_phone).await;
        let seller_phone = "13800000001".to_string();
        let seller = api.register(&seller_phone).await;
        let application = api
            .post(
                "/api/v1/shop-applications",
                json!({ "shop_name": "故障演练店", "main_category": "食品", "licence_number": "913101150000000000",
                        "contact_phone": seller_phone }),
                Some(&seller),
            )
            .await;
        let shop = api
            .post(&format!("/api/v1/admin/shop-applications/{}/approve", application["id"]), json!({}), Some(&admin))
            .await["shop_id"]
            .as_i64()
            .expect("shop");
        let seller = api.login(&seller_phone).await;
        let categories = api.get("/api/v1/categories", None).await;
        let category = categories["items"][0]["children"][0]["id"].clone();
        let product = api
            .post(
                "/api/v1/seller/products",
                json!({ "shop_id": shop, "category_id": category, "title": "演练粽子",
                        "skus": [{ "price": "30.00", "stock": stock }] }),
                Some(&seller),
            )
            .await;
        let (product, sku) =
            (product["id"].as_i64().expect("product"), product["skus"][0]["id"].as_i64().expect("sku"));
        api.post(&format!("/api/v1/seller/products/{product}/publish"), json!({}), Some(&seller)).await;
        let mut market = Market { seller, shop, product, sku, buyers: Vec::with_capacity(buyers) };
        for n in 0..buyers {
            let phone = format!("139{n:08}");
            let token = api.register(&phone).await;
            let address = api
                .post(
                    "/api/v1/me/addresses",
                    json!({ "recipient": "演练", "phone": phone, "province": "上海市", "city": "上海市",
                            "district": "黄浦区", "detail": "1 号" }),
                    Some(&token),
                )
                .await["id"]
                .as_i64()
                .expect("address");
            market.buyers.push(Buyer { phone, token, address });
        }
        market
    }

    /// Every order of the shop, all pages.
    pub async fn orders(&self, api: &Api) -> Vec<Value> {
        let mut orders = Vec::new();
        let mut cursor = String::new();
        loop {
            let page = api
                .get(&format!("/api/v1/seller/orders?shop_id={}&limit=100{cursor}", self.shop), Some(&self.seller))
                .await;
            orders.extend(page["items"].as_array().expect("items").iter().cloned());
            match page["next_cursor"].as_str() {
                Some(next) => cursor = format!("&cursor={next}"),
                None => return orders,
            }
        }
    }

    /// The SKU's stock as its seller sees it (what is left after every live reservation).
    pub async fn stock(&self, api: &Api) -> i64 {
        let product = api.get(&format!("/api/v1/seller/products/{}", self.product), Some(&self.seller)).await;
        product["skus"][0]["stock"].as_i64().expect("stock")
    }
}

impl Market {
    /// The SKU's inventory ledger: the sum of its changes and the stock its newest entry left.
    pub async fn ledger(&self, api: &Api) -> (i64, i64) {
        let ledger = api.get(&format!("/api/v1/seller/skus/{}/ledger", self.sku), Some(&self.seller)).await;
        let entries = ledger["items"].as_array().expect("ledger entries");
        let sum = entries.iter().filter_map(|entry| entry["delta"].as_i64()).sum();
        (sum, entries.first().and_then(|newest| newest["stock_after"].as_i64()).unwrap_or_default())
    }
}

/// Two gateways behind one PostgreSQL and one Redis of the scenario's own, with a market opened
/// through the first. The servers and directories live as long as this.
pub struct Cluster {
    pub postgres: OwnPostgres,
    pub redis: OwnRedis,
    pub a: Gateway,
    pub b: Gateway,
    pub market: Market,
    /// Bind it (`_dirs`, not `_` or `..`) so the gateways keep their directories.
    pub _dirs: (tempfile::TempDir, tempfile::TempDir),
}

impl Cluster {
    pub async fn start(stock: i64, buyers: usize) -> Cluster {
        let postgres = OwnPostgres::start();
        let redis = OwnRedis::start(free_port());
        let settings = [("BAZAAR_DATABASE_URL", postgres.url()), ("BAZAAR_REDIS_URL", redis.url())];
        let dirs = (tempfile::tempdir().expect("tempdir"), tempfile::tempdir().expect("tempdir"));
        create_admin(dirs.0.path(), &settings, "13700000000");
        let a = Gateway::start(dirs.0.path(), &settings).await;
        let b = Gateway::start(dirs.1.path(), &settings).await;
        let market = Market::open(&a.api, "13700000000", stock, buyers).await;
        Cluster { postgres, redis, a, b, market, _dirs: dirs }
    }
}

/// Units held by orders that still hold stock (neither cancelled nor refunded).
pub fn units_held(orders: &[Value]) -> i64 {
    orders
        .iter()
        .filter(|order| !matches!(order["status"].as_str(), Some("cancelled" | "refunded")))
        .flat_map(|order| order["items"].as_array().cloned().unwrap_or_default())
        .map(|item| item["quantity"].as_i64().unwrap_or_default())
        .sum()
}

/// The 99th percentile of some durations.
pub fn p99(durations: &mut [Duration]) -> Duration {
    durations.sort();
    durations[(durations.len() * 99).div_ceil(100).saturating_sub(1)]
}
