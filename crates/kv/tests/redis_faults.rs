//! What happens when Redis is not there: a clear error at connect time, never a hang or a panic.

use bazaar_kv::{Kv, KvError};

#[tokio::test]
async fn unreachable_redis_is_a_connect_error() {
    // Port 1 on loopback: nothing listens there, so the connection is refused at once.
    let err = Kv::redis("redis://127.0.0.1:1", "bazaar").await.err().expect("must fail");
    assert!(matches!(err, KvError::Connect(_)), "{err}");
    assert!(err.to_string().contains("cannot connect to Redis"), "{err}");
}

#[tokio::test]
async fn malformed_url_is_named() {
    let err = Kv::redis("http://not-redis", "bazaar").await.err().expect("must fail");
    assert!(matches!(err, KvError::InvalidUrl(_)), "{err}");
}
