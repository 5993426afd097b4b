//! Stores for tests: the in-process one always, Redis when `BAZAAR_TEST_REDIS_URL` is set, each
//! Redis store under its own random prefix so parallel tests never see each other's keys.

use crate::Kv;
use rand::Rng;

pub const REDIS_ENV: &str = "BAZAAR_TEST_REDIS_URL";

/// The Redis URL for tests; unset skips Redis locally but fails under CI.
pub fn redis_url_from_env() -> Option<String> {
    bazaar_core::test_env::backend_url_from_env(REDIS_ENV)
}

pub fn unique_prefix() -> String {
    format!("bazaar_t_{:016x}", rand::rng().random::<u64>())
}

/// Every store this machine can test against.
pub async fn all_stores() -> Vec<Kv> {
    let mut stores = vec![Kv::memory()];
    if let Some(url) = redis_url_from_env() {
        stores.push(Kv::redis(&url, &unique_prefix()).await.expect("connect to the test Redis"));
    }
    stores
}

/// A Redis server of the test's own, on a free port, so it can be killed and restarted without
/// touching the shared one other suites use. For tests that run when `BAZAAR_TEST_REDIS_URL` is
/// set (CI), since that is where a `redis-server` is promised.
pub struct OwnRedis {
    pub port: u16,
    child: std::process::Child,
}

impl OwnRedis {
    pub fn start(port: u16) -> OwnRedis {
        let mut child = std::process::Command::new("redis-server")
            .args(["--port", &port.to_string(), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"])
            .stdout(std::process::Stdio::null())
            .spawn()
            .expect("redis-server runs (CI installs it)");
        for _ in 0..100 {
            if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
                return OwnRedis { port, child };
            }
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        let _ = child.kill();
        let _ = child.wait();
        panic!("redis-server did not start on port {port}");
    }

    /// The server's process id (to pause it with SIGSTOP).
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}", self.port)
    }

    /// Kills it (SIGKILL); the port, to start another on.
    pub fn kill(mut self) -> u16 {
        let _ = self.child.kill();
        let _ = self.child.wait();
        self.port
    }
}

impl Drop for OwnRedis {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).map(|a| a.port()).expect("a free port")
}
