//! The Redis store. Commands go through a reconnecting `ConnectionManager`; pub/sub uses one
//! subscriber connection per process that feeds the local fan-out and re-subscribes after a drop.

use crate::fanout::{Fanout, Subscription};
use crate::{Gate, KvError, TakeOutcome};
use futures_util::StreamExt;
use redis::aio::{ConnectionManager, ConnectionManagerConfig, PubSubSink, PubSubStream};
use redis::{AsyncCommands, Client, Script};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Mutex as AsyncMutex;
use tokio::task::JoinHandle;

/// Bounds on every call, so a Redis that hangs (paused, or a network that drops packets) costs a
/// request at most about half a second instead of seconds: Redis answers in well under a
/// millisecond when healthy, and each use of kv has a fallback or a clear 503 for when it does not.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(1);
const RESPONSE_TIMEOUT: Duration = Duration::from_millis(500);
/// A command that fails sooner than this met a dropped connection and never reached Redis.
const DROPPED_AT_ONCE: Duration = Duration::from_millis(50);

/// Counter increment that sets the TTL only when the key has none, in one atomic step.
const INCR_WITH_TTL: &str = r"
local value = redis.call('INCRBY', KEYS[1], ARGV[1])
local ttl_ms = tonumber(ARGV[2])
if ttl_ms > 0 and redis.call('PTTL', KEYS[1]) == -1 then
  redis.call('PEXPIRE', KEYS[1], ttl_ms)
end
return value
";

/// KEYS: stock, holder, pass, refused. ARGV: amount, limit, opens_at_ms, closes_at_ms,
/// holder_ttl_ms, pass, refusals_kept_ms. Returns {0, 0} missing, {1, left} insufficient, {2, left} taken, {3, 0} not
/// open, {4, 0} closed, {5, held} over the limit, {6, 0} replay. Time is the server's, the same
/// for every gateway; a refusal counts itself at KEYS[4].
const TAKE_WITHIN_LIMIT: &str = r"
if redis.call('GET', KEYS[3]) == ARGV[6] then return {6, 0} end
local function refuse(status, value)
  redis.call('INCR', KEYS[4])
  if redis.call('PTTL', KEYS[4]) == -1 then redis.call('PEXPIRE', KEYS[4], ARGV[7]) end
  return {status, value}
end
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
if now < tonumber(ARGV[3]) then return refuse(3, 0) end
if now >= tonumber(ARGV[4]) then return refuse(4, 0) end
local raw = redis.call('GET', KEYS[1])
if not raw then return {0, 0} end
local left = tonumber(raw)
local amount = tonumber(ARGV[1])
local held = tonumber(redis.call('GET', KEYS[2]) or '0')
if held + amount > tonumber(ARGV[2]) then return refuse(5, held) end
if left < amount then return refuse(1, left) end
redis.call('INCRBY', KEYS[2], amount)
redis.call('PEXPIRE', KEYS[2], ARGV[5])
return {2, redis.call('DECRBY', KEYS[1], amount)}
";

struct PubSubShared {
    fanout: Fanout,
    /// `None` while the subscriber connection is down; the reader task reconnects it.
    sink: AsyncMutex<Option<PubSubSink>>,
}

pub struct RedisKv {
    commands: ConnectionManager,
    prefix: String,
    pubsub: Arc<PubSubShared>,
    reader: JoinHandle<()>,
    incr_with_ttl: Script,
    take_within_limit: Script,
    /// Where rate limits are counted while Redis is unreachable (see `Kv::hit`).
    local_limits: crate::Kv,
    breaker: crate::breaker::Breaker,
}

impl Drop for RedisKv {
    fn drop(&mut self) {
        self.reader.abort();
    }
}

fn command_error(err: redis::RedisError) -> KvError {
    if err.code() == Some("WRONGTYPE") {
        return KvError::WrongType { key: String::new() };
    }
    // Redis could not be reached (as opposed to refusing a command): the breaker opens on these.
    if err.is_io_error() || err.is_connection_refusal() || err.is_connection_dropped() || err.is_timeout() {
        return KvError::Connect(err.to_string());
    }
    KvError::Command(err.to_string())
}

fn ttl_millis(ttl: Duration) -> u64 {
    u64::try_from(ttl.as_millis()).unwrap_or(u64::MAX)
}

impl RedisKv {
    pub async fn connect(url: &str, prefix: &str) -> Result<RedisKv, KvError> {
        let client = Client::open(url).map_err(|err| KvError::InvalidUrl(err.to_string()))?;
        let config = ConnectionManagerConfig::new()
            .set_connection_timeout(Some(CONNECT_TIMEOUT))
            .set_response_timeout(Some(RESPONSE_TIMEOUT))
            .set_max_delay(RECONNECT_BACKOFF_CAP)
            .set_number_of_retries(1);
        let commands =
            client.get_connection_manager_with_config(config).await.map_err(|err| KvError::Connect(err.to_string()))?;
        let (sink, stream) = open_pubsub(&client).await.map_err(|err| KvError::Connect(err.to_string()))?;
        let pubsub = Arc::new(PubSubShared { fanout: Fanout::default(), sink: AsyncMutex::new(Some(sink)) });
        let reader = tokio::spawn(read_messages(client, prefix.to_string(), pubsub.clone(), stream));
        Ok(RedisKv {
            commands,
            prefix: prefix.to_string(),
            pubsub,
            reader,
            incr_with_ttl: Script::new(INCR_WITH_TTL),
            take_within_limit: Script::new(TAKE_WITHIN_LIMIT),
            local_limits: crate::Kv::memory(),
            breaker: crate::breaker::Breaker::default(),
        })
    }

    /// Runs `command` unless the breaker is open (Redis was unreachable a moment ago): then it is
    /// refused at once as unreachable, so the caller falls back without waiting. The first command
    /// to meet a connection Redis dropped (a restart) finds it dead only by using it, at once; the
    /// manager reconnects then, so such a command is tried once more before it counts as a
    /// failure — else the first publish after every Redis restart would be lost. A command that
    /// failed slowly (a timeout: it may have reached Redis) is not repeated.
    pub(crate) async fn guarded<T, F>(&self, command: impl Fn() -> F) -> Result<T, KvError>
    where
        F: std::future::Future<Output = Result<T, KvError>>,
    {
        if !self.breaker.admit() {
            return Err(KvError::Connect("Redis was unreachable a moment ago; retrying shortly".into()));
        }
        let started = std::time::Instant::now();
        let mut result = command().await;
        if matches!(result, Err(KvError::Connect(_))) && started.elapsed() < DROPPED_AT_ONCE {
            result = command().await;
        }
        self.breaker.record(!matches!(result, Err(KvError::Connect(_))));
        result
    }

    pub(crate) fn local_limits(&self) -> &crate::Kv {
        &self.local_limits
    }

    fn key(&self, key: &str) -> String {
        format!("{}:{key}", self.prefix)
    }

    fn conn(&self) -> ConnectionManager {
        self.commands.clone()
    }

    pub async fn ping(&self) -> Result<(), KvError> {
        let _: String = redis::cmd("PING").query_async(&mut self.conn()).await.map_err(command_error)?;
        Ok(())
    }

    pub async fn get(&self, key: &str) -> Result<Option<String>, KvError> {
        self.conn().get(self.key(key)).await.map_err(command_error)
    }

    pub async fn set(&self, key: &str, value: &str, ttl: Option<Duration>) -> Result<(), KvError> {
        let mut cmd = redis::cmd("SET");
        cmd.arg(self.key(key)).arg(value);
        if let Some(ttl) = ttl {
            cmd.arg("PX").arg(ttl_millis(ttl));
        }
        let _: () = cmd.query_async(&mut self.conn()).await.map_err(command_error)?;
        Ok(())
    }

    pub async fn set_if_absent(&self, key: &str, value: &str, ttl: Option<Duration>) -> Result<bool, KvError> {
        let mut cmd = redis::cmd("SET");
        cmd.arg(self.key(key)).arg(value).arg("NX");
        if let Some(ttl) = ttl {
            cmd.arg("PX").arg(ttl_millis(ttl));
        }
        let reply: Option<String> = cmd.query_async(&mut self.conn()).await.map_err(command_error)?;
        Ok(reply.is_some())
    }

    pub async fn delete(&self, key: &str) -> Result<bool, KvError> {
        let removed: i64 = self.conn().del(self.key(key)).await.map_err(command_error)?;
        Ok(removed > 0)
    }

    pub async fn ttl(&self, key: &str) -> Result<Option<Duration>, KvError> {
        let millis: i64 =
            redis::cmd("PTTL").arg(self.key(key)).query_async(&mut self.conn()).await.map_err(command_error)?;
        // -2: no such key; -1: no expiry.
        Ok(u64::try_from(millis).ok().map(Duration::from_millis))
    }

    pub async fn expire(&self, key: &str, ttl: Duration) -> Result<bool, KvError> {
        let set: i64 = redis::cmd("PEXPIRE")
            .arg(self.key(key))
            .arg(ttl_millis(ttl))
            .query_async(&mut self.conn())
            .await
            .map_err(command_error)?;
        Ok(set == 1)
    }

    pub async fn incr(&self, key: &str, by: i64, ttl: Option<Duration>) -> Result<i64, KvError> {
        self.incr_with_ttl
            .key(self.key(key))
            .arg(by)
            .arg(ttl.map_or(0, ttl_millis))
            .invoke_async(&mut self.conn())
            .await
            .map_err(command_error)
    }

    pub async fn take_within_limit(&self, gate: Gate<'_>, amount: i64) -> Result<TakeOutcome, KvError> {
        let (status, value): (i64, i64) = self
            .take_within_limit
            .key(self.key(gate.stock_key))
            .key(self.key(gate.holder_key))
            .key(self.key(gate.pass_key))
            .key(self.key(gate.refused_key))
            .arg(amount)
            .arg(gate.limit)
            .arg(gate.opens_at_ms)
            .arg(gate.closes_at_ms)
            .arg(ttl_millis(gate.holder_ttl).max(1))
            .arg(gate.pass)
            .arg(ttl_millis(crate::REFUSALS_KEPT))
            .invoke_async(&mut self.conn())
            .await
            .map_err(command_error)?;
        Ok(match status {
            0 => TakeOutcome::Missing,
            1 => TakeOutcome::Insufficient(value),
            2 => TakeOutcome::Taken(value),
            3 => TakeOutcome::NotOpen,
            4 => TakeOutcome::Closed,
            5 => TakeOutcome::OverLimit(value),
            _ => TakeOutcome::Replay,
        })
    }

    pub async fn zadd(&self, key: &str, member: &str, score: f64) -> Result<(), KvError> {
        let _: i64 = self.conn().zadd(self.key(key), member, score).await.map_err(command_error)?;
        Ok(())
    }

    pub async fn zincr(&self, key: &str, member: &str, by: f64) -> Result<f64, KvError> {
        self.conn().zincr(self.key(key), member, by).await.map_err(command_error)
    }

    pub async fn zscore(&self, key: &str, member: &str) -> Result<Option<f64>, KvError> {
        self.conn().zscore(self.key(key), member).await.map_err(command_error)
    }

    pub async fn zrem(&self, key: &str, member: &str) -> Result<bool, KvError> {
        let removed: i64 = self.conn().zrem(self.key(key), member).await.map_err(command_error)?;
        Ok(removed > 0)
    }

    pub async fn ztop(&self, key: &str, count: usize) -> Result<Vec<(String, f64)>, KvError> {
        if count == 0 {
            return Ok(Vec::new());
        }
        let stop = isize::try_from(count).unwrap_or(isize::MAX) - 1;
        self.conn().zrevrange_withscores(self.key(key), 0, stop).await.map_err(command_error)
    }

    pub async fn publish(&self, channel: &str, payload: &str) -> Result<(), KvError> {
        let _: i64 = self.conn().publish(self.key(channel), payload).await.map_err(command_error)?;
        Ok(())
    }

    pub async fn subscribe(&self, channel: &str) -> Result<Subscription, KvError> {
        let full = self.key(channel);
        let (subscription, is_new) = self.pubsub.fanout.subscribe(&full);
        if is_new {
            // While the connection is down the reader re-subscribes every known channel itself.
            if let Some(sink) = self.pubsub.sink.lock().await.as_mut() {
                sink.subscribe(&full).await.map_err(command_error)?;
            }
        }
        Ok(subscription)
    }
}

async fn open_pubsub(client: &Client) -> redis::RedisResult<(PubSubSink, PubSubStream)> {
    let pubsub = tokio::time::timeout(CONNECT_TIMEOUT, client.get_async_pubsub())
        .await
        .map_err(|_| redis::RedisError::from(std::io::Error::from(std::io::ErrorKind::TimedOut)))??;
    Ok(pubsub.split())
}

/// Forwards every message to local subscribers; when the connection drops, reconnects with
/// backoff and re-subscribes all channels that still have listeners.
async fn read_messages(client: Client, prefix: String, shared: Arc<PubSubShared>, mut stream: PubSubStream) {
    loop {
        while let Some(message) = stream.next().await {
            let Ok(payload) = message.get_payload::<String>() else {
                continue;
            };
            let channel = message.get_channel_name().to_string();
            if !shared.fanout.deliver(&channel, &payload)
                && let Some(sink) = shared.sink.lock().await.as_mut()
            {
                let _ = sink.unsubscribe(&channel).await;
            }
        }
        tracing::warn!(prefix, "redis subscriber connection lost; reconnecting");
        *shared.sink.lock().await = None;
        stream = reconnect(&client, &shared).await;
        // Anything published while the subscription was down never arrived: every listener
        // clears or resyncs what it holds, as after a lag.
        shared.fanout.announce_gap();
        tracing::info!(prefix, "redis subscriber connection restored");
    }
}

const RECONNECT_BACKOFF_CAP: Duration = Duration::from_secs(1);

async fn reconnect(client: &Client, shared: &PubSubShared) -> PubSubStream {
    let mut delay = Duration::from_millis(100);
    loop {
        tokio::time::sleep(delay).await;
        // Capped at a second: a Redis that is back should be used again within about that.
        delay = (delay * 2).min(RECONNECT_BACKOFF_CAP);
        let Ok((mut sink, stream)) = open_pubsub(client).await else {
            continue;
        };
        let mut slot = shared.sink.lock().await;
        let mut resubscribed = true;
        for channel in shared.fanout.channels() {
            resubscribed &= sink.subscribe(&channel).await.is_ok();
        }
        if resubscribed {
            *slot = Some(sink);
            return stream;
        }
    }
}
