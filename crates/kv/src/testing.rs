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
