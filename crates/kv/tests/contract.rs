//! One contract, every store: the in-process store always, Redis when BAZAAR_TEST_REDIS_URL is set.

use bazaar_kv::testing::all_stores;
use bazaar_kv::{Gate, Kv, KvError, TakeOutcome};
use std::time::Duration;

async fn for_each_store<F, Fut>(check: F)
where
    F: Fn(Kv) -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    for store in all_stores().await {
        eprintln!("checking the {} store", store.backend_name());
        check(store).await;
    }
}

#[tokio::test]
async fn values_are_set_read_and_deleted() {
    for_each_store(|kv| async move {
        assert_eq!(kv.get("greeting").await.unwrap(), None);
        kv.set("greeting", "你好", None).await.unwrap();
        assert_eq!(kv.get("greeting").await.unwrap().as_deref(), Some("你好"));
        kv.set("greeting", "hello", None).await.unwrap();
        assert_eq!(kv.get("greeting").await.unwrap().as_deref(), Some("hello"));
        assert!(kv.delete("greeting").await.unwrap());
        assert!(!kv.delete("greeting").await.unwrap());
        assert_eq!(kv.get("greeting").await.unwrap(), None);
    })
    .await;
}

#[tokio::test]
async fn keys_expire_after_their_ttl() {
    for_each_store(|kv| async move {
        kv.set("otp", "123456", Some(Duration::from_millis(600))).await.unwrap();
        let left = kv.ttl("otp").await.unwrap().expect("a TTL");
        assert!(left <= Duration::from_millis(600) && left > Duration::ZERO, "{left:?}");
        tokio::time::sleep(Duration::from_millis(700)).await;
        assert_eq!(kv.get("otp").await.unwrap(), None);
        assert_eq!(kv.ttl("otp").await.unwrap(), None);

        kv.set("forever", "x", None).await.unwrap();
        assert_eq!(kv.ttl("forever").await.unwrap(), None);
        assert!(kv.expire("forever", Duration::from_secs(5)).await.unwrap());
        assert!(kv.ttl("forever").await.unwrap().is_some());
        assert!(!kv.expire("never-set", Duration::from_secs(1)).await.unwrap());
    })
    .await;
}

#[tokio::test]
async fn zero_ttl_is_refused() {
    for_each_store(|kv| async move {
        let err = kv.set("k", "v", Some(Duration::ZERO)).await.unwrap_err();
        assert!(matches!(err, KvError::InvalidTtl), "{err}");
        assert_eq!(kv.get("k").await.unwrap(), None);
    })
    .await;
}

#[tokio::test]
async fn set_if_absent_sets_once() {
    for_each_store(|kv| async move {
        assert!(kv.set_if_absent("lock", "a", Some(Duration::from_secs(5))).await.unwrap());
        assert!(!kv.set_if_absent("lock", "b", Some(Duration::from_secs(5))).await.unwrap());
        assert_eq!(kv.get("lock").await.unwrap().as_deref(), Some("a"));
        // Once expired it can be taken again.
        kv.set("short", "x", Some(Duration::from_millis(50))).await.unwrap();
        tokio::time::sleep(Duration::from_millis(120)).await;
        assert!(kv.set_if_absent("short", "y", None).await.unwrap());
    })
    .await;
}

#[tokio::test]
async fn counters_start_a_window_on_first_hit() {
    for_each_store(|kv| async move {
        let window = Some(Duration::from_millis(1000));
        assert_eq!(kv.incr("hits", 1, window).await.unwrap(), 1);
        tokio::time::sleep(Duration::from_millis(100)).await;
        assert_eq!(kv.incr("hits", 2, window).await.unwrap(), 3);
        // The second hit did not push the window out.
        let left = kv.ttl("hits").await.unwrap().expect("a TTL");
        assert!(left <= Duration::from_millis(920), "{left:?}");
        tokio::time::sleep(Duration::from_millis(1000)).await;
        assert_eq!(kv.incr("hits", 1, window).await.unwrap(), 1);
        assert_eq!(kv.incr("plain", -4, None).await.unwrap(), -4);
    })
    .await;
}

#[tokio::test]
async fn counters_refuse_text() {
    for_each_store(|kv| async move {
        kv.set("name", "not a number", None).await.unwrap();
        assert!(kv.incr("name", 1, None).await.is_err());
        let now = unix_ms();
        assert!(kv.take_within_limit(gate("name", "name:holder", now - 1_000, now + 60_000), 1).await.is_err());
        assert_eq!(kv.get("name").await.unwrap().as_deref(), Some("not a number"));
    })
    .await;
}

#[tokio::test]
async fn sorted_sets_rank_highest_first() {
    for_each_store(|kv| async move {
        kv.zadd("board", "alice", 10.0).await.unwrap();
        kv.zadd("board", "bob", 30.0).await.unwrap();
        kv.zadd("board", "carol", 20.0).await.unwrap();
        assert_eq!(kv.zincr("board", "alice", 25.0).await.unwrap(), 35.0);
        assert_eq!(kv.zincr("board", "dave", 1.5).await.unwrap(), 1.5);
        let top = kv.ztop("board", 3).await.unwrap();
        assert_eq!(top, vec![("alice".to_string(), 35.0), ("bob".to_string(), 30.0), ("carol".to_string(), 20.0)]);
        assert_eq!(kv.zscore("board", "bob").await.unwrap(), Some(30.0));
        assert_eq!(kv.zscore("board", "nobody").await.unwrap(), None);
        assert!(kv.zrem("board", "bob").await.unwrap());
        assert!(!kv.zrem("board", "bob").await.unwrap());
        assert_eq!(kv.ztop("board", 10).await.unwrap().len(), 3);
        assert!(kv.ztop("empty", 10).await.unwrap().is_empty());
        assert!(kv.ztop("board", 0).await.unwrap().is_empty());
    })
    .await;
}

#[tokio::test]
async fn sorted_set_ties_break_by_member_descending() {
    for_each_store(|kv| async move {
        for member in ["a", "c", "b"] {
            kv.zadd("ties", member, 1.0).await.unwrap();
        }
        let members: Vec<String> = kv.ztop("ties", 3).await.unwrap().into_iter().map(|(m, _)| m).collect();
        assert_eq!(members, ["c", "b", "a"]);
    })
    .await;
}

#[tokio::test]
async fn pubsub_delivers_in_order_to_every_subscriber() {
    for_each_store(|kv| async move {
        let mut first = kv.subscribe("chat:1").await.unwrap();
        let mut second = kv.subscribe("chat:1").await.unwrap();
        let mut other = kv.subscribe("chat:2").await.unwrap();
        for n in 0..5 {
            kv.publish("chat:1", &format!("消息 {n}")).await.unwrap();
        }
        kv.publish("chat:2", "elsewhere").await.unwrap();
        for subscriber in [&mut first, &mut second] {
            for n in 0..5 {
                let message = tokio::time::timeout(Duration::from_secs(2), subscriber.recv()).await;
                assert_eq!(message.expect("delivered in time").unwrap(), format!("消息 {n}"));
            }
        }
        let message = tokio::time::timeout(Duration::from_secs(2), other.recv()).await;
        assert_eq!(message.expect("delivered in time").unwrap(), "elsewhere");
    })
    .await;
}

#[tokio::test]
async fn publishing_without_subscribers_is_fine() {
    for_each_store(|kv| async move {
        kv.publish("nobody-listens", "hello").await.unwrap();
        drop(kv.subscribe("dropped").await.unwrap());
        kv.publish("dropped", "hello").await.unwrap();
        // A later subscriber gets the later messages. (With Redis the earlier "hello" may still be
        // on its way over the shared subscriber connection and arrive first; nothing else may.)
        let mut late = kv.subscribe("dropped").await.unwrap();
        kv.publish("dropped", "second").await.unwrap();
        let mut message = tokio::time::timeout(Duration::from_secs(2), late.recv()).await.expect("delivered in time");
        if message.as_deref().is_ok_and(|text| text == "hello") {
            message = tokio::time::timeout(Duration::from_secs(2), late.recv()).await.expect("delivered in time");
        }
        assert_eq!(message.unwrap(), "second");
    })
    .await;
}

#[tokio::test]
async fn rate_limits_close_and_reopen_their_window() {
    for_each_store(|kv| async move {
        let limit = bazaar_kv::Limit::new(2, Duration::from_millis(1000));
        assert_eq!(kv.hit("otp:phone", limit).await.unwrap(), None);
        assert_eq!(kv.hit("otp:phone", limit).await.unwrap(), None);
        let wait = kv.hit("otp:phone", limit).await.unwrap().expect("third hit is refused");
        assert!(wait <= Duration::from_millis(1000) && wait > Duration::ZERO, "{wait:?}");
        assert_eq!(kv.hit("otp:other-phone", limit).await.unwrap(), None, "limits are per key");
        tokio::time::sleep(Duration::from_millis(1050)).await;
        assert_eq!(kv.hit("otp:phone", limit).await.unwrap(), None, "a new window opens");
    })
    .await;
}

#[tokio::test]
async fn ping_answers() {
    for_each_store(|kv| async move { kv.ping().await.unwrap() }).await;
}

fn unix_ms() -> i64 {
    let since = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap();
    i64::try_from(since.as_millis()).unwrap()
}

fn gate<'a>(stock_key: &'a str, holder_key: &'a str, opens_at_ms: i64, closes_at_ms: i64) -> Gate<'a> {
    Gate {
        stock_key,
        holder_key,
        pass_key: "gate:pass",
        pass: "a request",
        refused_key: "gate:refused",
        limit: 2,
        opens_at_ms,
        closes_at_ms,
        holder_ttl: Duration::from_secs(60),
    }
}

/// The flash-sale gate: nothing moves outside the window, past the holder's limit or the stock.
#[tokio::test]
async fn take_within_limit_moves_only_when_every_condition_holds() {
    for_each_store(|kv| async move {
        let now = unix_ms();
        let open = gate("gate:stock", "gate:holder:1", now - 1_000, now + 60_000);
        assert_eq!(kv.take_within_limit(open, 1).await.unwrap(), TakeOutcome::Missing);
        kv.set("gate:stock", "3", None).await.unwrap();
        let early = gate("gate:stock", "gate:holder:1", now + 60_000, now + 120_000);
        assert_eq!(kv.take_within_limit(early, 1).await.unwrap(), TakeOutcome::NotOpen);
        let late = gate("gate:stock", "gate:holder:1", now - 120_000, now - 60_000);
        assert_eq!(kv.take_within_limit(late, 1).await.unwrap(), TakeOutcome::Closed);
        assert_eq!(kv.get("gate:stock").await.unwrap().as_deref(), Some("3"), "refusals took stock");
        assert_eq!(kv.take_within_limit(open, 2).await.unwrap(), TakeOutcome::Taken(1));
        assert_eq!(kv.take_within_limit(open, 1).await.unwrap(), TakeOutcome::OverLimit(2));
        let other = gate("gate:stock", "gate:holder:2", now - 1_000, now + 60_000);
        assert_eq!(kv.take_within_limit(other, 2).await.unwrap(), TakeOutcome::Insufficient(1));
        assert_eq!(kv.take_within_limit(other, 1).await.unwrap(), TakeOutcome::Taken(0));
        assert_eq!(kv.get("gate:holder:2").await.unwrap().as_deref(), Some("1"));
        assert!(kv.ttl("gate:holder:2").await.unwrap().is_some(), "a holder's count is kept for a while only");
        // Five refusals so far (not open, closed, over the limit, insufficient twice over), each
        // counted in the same step; a request carrying the kept pass is its own retry.
        assert_eq!(kv.take_within_limit(other, 1).await.unwrap(), TakeOutcome::Insufficient(0));
        assert_eq!(kv.get("gate:refused").await.unwrap().as_deref(), Some("5"));
        kv.set("gate:pass", "a request", None).await.unwrap();
        assert_eq!(kv.take_within_limit(other, 1).await.unwrap(), TakeOutcome::Replay);
        assert_eq!(kv.get("gate:refused").await.unwrap().as_deref(), Some("5"), "a replay is no refusal");
        assert!(kv.ttl("gate:refused").await.unwrap().is_some());
    })
    .await;
}

#[tokio::test]
async fn a_crowd_at_the_gate_takes_exactly_the_stock() {
    for_each_store(|kv| async move {
        let now = unix_ms();
        kv.set("crowd:stock", "25", None).await.unwrap();
        let takes = (0..200).map(|holder| {
            let kv = kv.clone();
            async move {
                let holder_key = format!("crowd:holder:{}", holder % 50);
                let gate = Gate { limit: 1, ..gate("crowd:stock", &holder_key, now - 1_000, now + 60_000) };
                kv.take_within_limit(gate, 1).await.unwrap()
            }
        });
        let outcomes = futures_util::future::join_all(takes).await;
        let taken = outcomes.iter().filter(|outcome| matches!(outcome, TakeOutcome::Taken(_))).count();
        assert_eq!(taken, 25);
        assert_eq!(kv.get("crowd:stock").await.unwrap().as_deref(), Some("0"));
    })
    .await;
}
