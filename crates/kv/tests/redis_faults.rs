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

use bazaar_kv::testing::{OwnRedis, free_port};

/// After the subscriber connection breaks and comes back, every subscription hears of the gap
/// (`Lagged`), so caches clear and chat sockets resync instead of serving what was missed; and
/// messages flow again, within about the one-second reconnect cap.
#[tokio::test]
async fn a_broken_subscription_reports_the_gap_when_it_is_restored() {
    if bazaar_core::test_env::backend_url_from_env("BAZAAR_TEST_REDIS_URL").is_none() {
        return;
    }
    let redis = OwnRedis::start(free_port());
    let url = format!("redis://127.0.0.1:{}", redis.port);
    let kv = Kv::redis(&url, "gap").await.expect("connects");
    let mut subscription = kv.subscribe("changes").await.expect("subscribes");

    let port = redis.kill();
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    let _restarted = OwnRedis::start(port);

    let first = tokio::time::timeout(std::time::Duration::from_secs(10), subscription.recv()).await;
    assert!(matches!(first, Ok(Err(KvError::Lagged(_)))), "the gap is reported: {first:?}");
    // Publishing goes through the command connection, which reconnects on its own; retry briefly.
    let mut delivered = None;
    for _ in 0..50 {
        if kv.publish("changes", "after").await.is_ok()
            && let Ok(Ok(message)) =
                tokio::time::timeout(std::time::Duration::from_millis(200), subscription.recv()).await
        {
            delivered = Some(message);
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(delivered.as_deref(), Some("after"));
}

/// A Redis that hangs (here: paused with SIGSTOP) refuses calls within the kv's response bound
/// instead of holding each request for seconds; once it resumes, calls succeed again.
#[tokio::test]
async fn a_hanging_redis_is_refused_promptly_and_used_again_when_it_resumes() {
    if bazaar_core::test_env::backend_url_from_env("BAZAAR_TEST_REDIS_URL").is_none() {
        return;
    }
    let redis = OwnRedis::start(free_port());
    let kv = Kv::redis(&format!("redis://127.0.0.1:{}", redis.port), "hang").await.expect("connects");
    kv.set("k", "v", None).await.expect("healthy");
    let pid = redis.pid().to_string();
    let signal = |name: &str| {
        std::process::Command::new("kill").args([name, &pid]).status().expect("kill runs");
    };
    signal("-STOP");
    // Four times the configured bound: generous for a loaded CI machine, far below a hang.
    let answer = tokio::time::timeout(std::time::Duration::from_secs(2), kv.get("k")).await;
    signal("-CONT");
    assert!(matches!(answer, Ok(Err(_))), "a paused Redis is an error, not a wait: {answer:?}");
    let mut back = None;
    for _ in 0..30 {
        if let Ok(value) = kv.get("k").await {
            back = value;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(back.as_deref(), Some("v"));
}

/// With Redis gone, rate limits are counted on this gateway: still limits, never lifted.
#[tokio::test]
async fn rate_limits_hold_per_gateway_while_redis_is_down() {
    if bazaar_core::test_env::backend_url_from_env("BAZAAR_TEST_REDIS_URL").is_none() {
        return;
    }
    let redis = OwnRedis::start(free_port());
    let kv = Kv::redis(&format!("redis://127.0.0.1:{}", redis.port), "limits").await.expect("connects");
    let limit = bazaar_kv::Limit::new(3, std::time::Duration::from_secs(60));
    assert_eq!(kv.hit("otp:13800000000", limit).await.expect("counted"), None);
    drop(redis);
    let mut answers = Vec::new();
    for _ in 0..4 {
        answers.push(kv.hit("otp:13800000000", limit).await.map(|wait| wait.is_some()));
    }
    assert!(answers.iter().all(Result::is_ok), "an outage is not an error for a limit: {answers:?}");
    let refused = answers.iter().filter(|answer| matches!(answer, Ok(true))).count();
    assert_eq!(refused, 1, "three in the window on this gateway, the fourth refused: {answers:?}");
}

/// While Redis is down, a command after a failed one is refused at once by the breaker (it does
/// not wait for another reconnect attempt), so callers fall back without waiting; once Redis is
/// back, a probe closes the breaker and commands reach it again.
#[tokio::test]
async fn after_a_failure_commands_are_refused_at_once_until_a_probe_finds_redis_again() {
    if bazaar_core::test_env::backend_url_from_env("BAZAAR_TEST_REDIS_URL").is_none() {
        return;
    }
    let redis = OwnRedis::start(free_port());
    let kv = Kv::redis(&format!("redis://127.0.0.1:{}", redis.port), "breaker").await.expect("connects");
    kv.set("k", "v", None).await.expect("set while up");
    let port = redis.kill();
    let first = kv.get("k").await.expect_err("Redis is gone");
    assert!(matches!(first, KvError::Connect(_)), "an outage is a connect error: {first}");
    for _ in 0..50 {
        let refused = kv.get("k").await.expect_err("still gone");
        assert!(refused.to_string().contains("a moment ago"), "refused by the breaker, not tried: {refused}");
    }
    let _restarted = OwnRedis::start(port);
    let mut reached = false;
    for _ in 0..100 {
        if kv.set("k", "again", None).await.is_ok() {
            reached = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(reached, "the breaker closed once Redis answered");
    assert_eq!(kv.get("k").await.expect("get").as_deref(), Some("again"));
}
