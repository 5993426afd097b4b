//! Shared fast state: TTL keys, counters, sorted sets (leaderboards), an atomic
//! "decrement if enough" for stock counters, and pub/sub.
//!
//! With a Redis URL it is Redis, so several gateways share rate limits, OTP codes and live
//! events; without one an in-process store with the same behaviour serves a single gateway.
//! Both pass the same contract suite (`tests/contract.rs`).

mod breaker;
mod fanout;
mod memory;
mod redis_store;
#[cfg(feature = "testing")]
pub mod testing;

pub use fanout::Subscription;
use memory::MemoryKv;
use redis_store::RedisKv;
use std::sync::Arc;
use std::time::Duration;

#[derive(Debug, thiserror::Error)]
pub enum KvError {
    #[error("invalid Redis URL: {0}")]
    InvalidUrl(String),
    #[error("cannot connect to Redis: {0}")]
    Connect(String),
    #[error("kv command failed: {0}")]
    Command(String),
    #[error("key {key} holds a value of another type")]
    WrongType { key: String },
    #[error("a TTL must be at least one millisecond")]
    InvalidTtl,
    #[error("subscriber fell behind and missed {0} messages")]
    Lagged(u64),
    #[error("subscription closed")]
    Closed,
}

impl bazaar_core::Classify for KvError {
    fn classify(&self) -> bazaar_core::Failure<'_> {
        match self {
            KvError::Connect(_) | KvError::Command(_) => bazaar_core::Failure::Unavailable {
                code: "kv_unavailable",
                message: "A shared service is unreachable; try again shortly.",
                cause: self,
            },
            other => bazaar_core::Failure::Internal(other),
        }
    }
}

/// What [`Kv::take_within_limit`] did. Nothing moves unless it answers `Taken`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TakeOutcome {
    /// Taken; this much is left.
    Taken(i64),
    /// The window has not opened yet.
    NotOpen,
    /// The window has closed.
    Closed,
    /// The holder would hold more than the limit; this much is held already.
    OverLimit(i64),
    /// Only this much is left.
    Insufficient(i64),
    /// No stock counter (not loaded yet, or expired): load it and ask again.
    Missing,
    /// The request is the one whose pass is kept ([`Gate::pass_key`]): its own retry. Nothing moved.
    Replay,
}

/// How long a gate's count of refusals is kept after its first.
pub const REFUSALS_KEPT: Duration = Duration::from_secs(30 * 86_400);

/// The gate [`Kv::take_within_limit`] keeps: a stock counter, one holder's count and its limit,
/// and a window in Unix milliseconds (checked against the store's clock, the same for every
/// gateway). Refusals are counted at `refused_key`; a request whose `pass` is the one kept at
/// `pass_key` is answered [`TakeOutcome::Replay`] before anything else. One step, one round trip.
#[derive(Debug, Clone, Copy)]
pub struct Gate<'a> {
    pub stock_key: &'a str,
    pub holder_key: &'a str,
    pub pass_key: &'a str,
    pub pass: &'a str,
    pub refused_key: &'a str,
    pub limit: i64,
    pub opens_at_ms: i64,
    pub closes_at_ms: i64,
    /// How long the holder's count is kept.
    pub holder_ttl: Duration,
}

/// The store; cheap to clone, shared by every worker.
#[derive(Clone)]
pub enum Kv {
    Memory(Arc<MemoryKv>),
    Redis(Arc<RedisKv>),
}

/// Calls the same method on whichever store this is.
macro_rules! on_store {
    ($self:ident . $method:ident ( $($arg:expr),* )) => {
        match $self {
            Kv::Memory(store) => store.$method($($arg),*).await,
            Kv::Redis(store) => store.guarded(|| store.$method($($arg),*)).await,
        }
    };
}

impl Kv {
    /// The in-process store.
    pub fn memory() -> Kv {
        Kv::Memory(Arc::new(MemoryKv::default()))
    }

    /// Redis at `url`, every key and channel under `prefix:`. Fails now if Redis cannot be reached:
    /// silently falling back to in-process state would split rate limits and chat between gateways.
    pub async fn redis(url: &str, prefix: &str) -> Result<Kv, KvError> {
        Ok(Kv::Redis(Arc::new(RedisKv::connect(url, prefix).await?)))
    }

    pub fn backend_name(&self) -> &'static str {
        match self {
            Kv::Memory(_) => "memory",
            Kv::Redis(_) => "redis",
        }
    }

    pub async fn ping(&self) -> Result<(), KvError> {
        on_store!(self.ping())
    }

    pub async fn get(&self, key: &str) -> Result<Option<String>, KvError> {
        on_store!(self.get(key))
    }

    /// Sets `key`, replacing any value; with a TTL it expires after it.
    pub async fn set(&self, key: &str, value: &str, ttl: Option<Duration>) -> Result<(), KvError> {
        check_ttl(ttl)?;
        on_store!(self.set(key, value, ttl))
    }

    /// Sets `key` only if it does not exist; true if this call set it.
    pub async fn set_if_absent(&self, key: &str, value: &str, ttl: Option<Duration>) -> Result<bool, KvError> {
        check_ttl(ttl)?;
        on_store!(self.set_if_absent(key, value, ttl))
    }

    /// Removes `key`; true if it existed.
    pub async fn delete(&self, key: &str) -> Result<bool, KvError> {
        on_store!(self.delete(key))
    }

    /// Time left before `key` expires; `None` if it does not exist or never expires.
    pub async fn ttl(&self, key: &str) -> Result<Option<Duration>, KvError> {
        on_store!(self.ttl(key))
    }

    /// Sets a TTL on an existing key; false if there is no such key.
    pub async fn expire(&self, key: &str, ttl: Duration) -> Result<bool, KvError> {
        check_ttl(Some(ttl))?;
        on_store!(self.expire(key, ttl))
    }

    /// Adds `by` to the counter at `key` (created at 0) and returns the new value. `ttl` is applied
    /// when the counter has no expiry yet, so a rate-limit window starts at its first hit.
    pub async fn incr(&self, key: &str, by: i64, ttl: Option<Duration>) -> Result<i64, KvError> {
        check_ttl(ttl)?;
        on_store!(self.incr(key, by, ttl))
    }

    /// Atomically, in one step: the window is open, the holder stays within the limit and enough
    /// stock is left; then takes `amount` from the stock and adds it to the holder. The front gate
    /// of flash sales: one round trip, no lock, whatever the crowd.
    pub async fn take_within_limit(&self, gate: Gate<'_>, amount: i64) -> Result<TakeOutcome, KvError> {
        on_store!(self.take_within_limit(gate, amount))
    }

    /// Sets `member`'s score in the sorted set at `key`.
    pub async fn zadd(&self, key: &str, member: &str, score: f64) -> Result<(), KvError> {
        on_store!(self.zadd(key, member, score))
    }

    /// Adds `by` to `member`'s score (created at 0); returns the new score.
    pub async fn zincr(&self, key: &str, member: &str, by: f64) -> Result<f64, KvError> {
        on_store!(self.zincr(key, member, by))
    }

    pub async fn zscore(&self, key: &str, member: &str) -> Result<Option<f64>, KvError> {
        on_store!(self.zscore(key, member))
    }

    pub async fn zrem(&self, key: &str, member: &str) -> Result<bool, KvError> {
        on_store!(self.zrem(key, member))
    }

    /// The `count` highest-scored members, highest first (ties: member descending, as Redis does).
    pub async fn ztop(&self, key: &str, count: usize) -> Result<Vec<(String, f64)>, KvError> {
        on_store!(self.ztop(key, count))
    }

    /// Sends `payload` to every subscriber of `channel` on every gateway sharing this store.
    /// Delivery is at most once: a subscriber that needs every message re-reads from its source of
    /// truth (chat syncs by sequence number) after a gap.
    pub async fn publish(&self, channel: &str, payload: &str) -> Result<(), KvError> {
        on_store!(self.publish(channel, payload))
    }

    /// Listens on `channel`. Messages published after this returns are delivered. With Redis, a
    /// message published just before may be delivered too (it was still on its way over this
    /// gateway's subscriber connection): subscribers must tolerate an extra, earlier message.
    pub async fn subscribe(&self, channel: &str) -> Result<Subscription, KvError> {
        on_store!(self.subscribe(channel))
    }
}

/// A fixed-window rate limit: at most `max` hits per `window`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limit {
    pub max: i64,
    pub window: Duration,
}

impl Limit {
    pub const fn new(max: i64, window: Duration) -> Limit {
        Limit { max, window }
    }
}

impl Kv {
    /// Counts a hit against `limit` under `key`. `Ok(None)` lets it through; `Ok(Some(wait))` says
    /// the limit is reached and when the window ends (for `Retry-After`). Refused hits count too,
    /// so hammering a closed window does not reopen it sooner.
    ///
    /// With Redis unreachable the hit is counted in this process instead: the limit then holds per
    /// gateway rather than across them, but it is never lifted by an outage (OTP sending, password
    /// guessing and payment-notification floods stay bounded).
    pub async fn hit(&self, key: &str, limit: Limit) -> Result<Option<Duration>, KvError> {
        match self.count_hit(key, limit).await {
            Err(KvError::Connect(_) | KvError::Command(_)) if let Kv::Redis(store) = self => {
                tracing::warn!(key, "kv unreachable; rate limit counted on this gateway only");
                store.local_limits().count_hit(key, limit).await
            }
            other => other,
        }
    }

    async fn count_hit(&self, key: &str, limit: Limit) -> Result<Option<Duration>, KvError> {
        let count = self.incr(key, 1, Some(limit.window)).await?;
        if count <= limit.max {
            return Ok(None);
        }
        Ok(Some(self.ttl(key).await?.unwrap_or(limit.window)))
    }
}

fn check_ttl(ttl: Option<Duration>) -> Result<(), KvError> {
    match ttl {
        Some(ttl) if ttl < Duration::from_millis(1) => Err(KvError::InvalidTtl),
        _ => Ok(()),
    }
}
