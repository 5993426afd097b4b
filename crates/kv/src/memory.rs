//! The in-process store: one map behind a mutex, with the same semantics as the Redis store.

use crate::fanout::{Fanout, Subscription, lock_unpoisoned};
use crate::{Gate, KvError, TakeOutcome};
use std::collections::HashMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// Expired keys are dropped lazily on access, and all at once every this many writes so keys that
/// are never read again (per-IP rate limits) do not pile up.
const SWEEP_EVERY_WRITES: u64 = 4096;

enum Value {
    Text(String),
    Sorted(HashMap<String, f64>),
}

struct Entry {
    value: Value,
    expires_at: Option<Instant>,
}

impl Entry {
    fn is_live(&self, now: Instant) -> bool {
        self.expires_at.is_none_or(|at| at > now)
    }
}

#[derive(Default)]
pub struct MemoryKv {
    entries: Mutex<HashMap<String, Entry>>,
    writes: AtomicU64,
    fanout: Fanout,
}

type Entries = HashMap<String, Entry>;

impl MemoryKv {
    /// Runs `op` on the map with expired entries of `key` already gone.
    fn with_key<T>(&self, key: &str, op: impl FnOnce(&mut Entries, Instant) -> T) -> T {
        let now = Instant::now();
        let mut entries = lock_unpoisoned(&self.entries);
        if entries.get(key).is_some_and(|entry| !entry.is_live(now)) {
            entries.remove(key);
        }
        op(&mut entries, now)
    }

    fn with_key_mut<T>(&self, key: &str, op: impl FnOnce(&mut Entries, Instant) -> T) -> T {
        if self.writes.fetch_add(1, Ordering::Relaxed) % SWEEP_EVERY_WRITES == SWEEP_EVERY_WRITES - 1 {
            let now = Instant::now();
            lock_unpoisoned(&self.entries).retain(|_, entry| entry.is_live(now));
        }
        self.with_key(key, op)
    }

    pub async fn ping(&self) -> Result<(), KvError> {
        Ok(())
    }

    pub async fn get(&self, key: &str) -> Result<Option<String>, KvError> {
        self.with_key(key, |entries, _| match entries.get(key) {
            None => Ok(None),
            Some(Entry { value: Value::Text(text), .. }) => Ok(Some(text.clone())),
            Some(_) => Err(wrong_type(key)),
        })
    }

    pub async fn set(&self, key: &str, value: &str, ttl: Option<Duration>) -> Result<(), KvError> {
        self.with_key_mut(key, |entries, now| {
            entries.insert(key.to_string(), text_entry(value, ttl, now));
            Ok(())
        })
    }

    pub async fn set_if_absent(&self, key: &str, value: &str, ttl: Option<Duration>) -> Result<bool, KvError> {
        self.with_key_mut(key, |entries, now| {
            if entries.contains_key(key) {
                return Ok(false);
            }
            entries.insert(key.to_string(), text_entry(value, ttl, now));
            Ok(true)
        })
    }

    pub async fn delete(&self, key: &str) -> Result<bool, KvError> {
        self.with_key_mut(key, |entries, _| Ok(entries.remove(key).is_some()))
    }

    pub async fn ttl(&self, key: &str) -> Result<Option<Duration>, KvError> {
        self.with_key(key, |entries, now| {
            Ok(entries.get(key).and_then(|entry| entry.expires_at).map(|at| at.saturating_duration_since(now)))
        })
    }

    pub async fn expire(&self, key: &str, ttl: Duration) -> Result<bool, KvError> {
        self.with_key_mut(key, |entries, now| match entries.get_mut(key) {
            Some(entry) => {
                entry.expires_at = Some(now + ttl);
                Ok(true)
            }
            None => Ok(false),
        })
    }

    pub async fn incr(&self, key: &str, by: i64, ttl: Option<Duration>) -> Result<i64, KvError> {
        self.with_key_mut(key, |entries, now| {
            let entry = entries
                .entry(key.to_string())
                .or_insert_with(|| Entry { value: Value::Text("0".into()), expires_at: None });
            let current = counter_value(key, &entry.value)?;
            let next = current.checked_add(by).ok_or_else(|| KvError::Command("increment would overflow".into()))?;
            entry.value = Value::Text(next.to_string());
            if entry.expires_at.is_none() {
                entry.expires_at = ttl.map(|ttl| now + ttl);
            }
            Ok(next)
        })
    }

    pub async fn take_within_limit(&self, gate: Gate<'_>, amount: i64) -> Result<TakeOutcome, KvError> {
        let now_ms = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |since| i64::try_from(since.as_millis()).unwrap_or(i64::MAX));
        self.with_key_mut(gate.stock_key, |entries, now| {
            for key in [gate.holder_key, gate.pass_key, gate.refused_key] {
                if entries.get(key).is_some_and(|entry| !entry.is_live(now)) {
                    entries.remove(key);
                }
            }
            if matches!(entries.get(gate.pass_key), Some(Entry { value: Value::Text(pass), .. }) if pass == gate.pass) {
                return Ok(TakeOutcome::Replay);
            }
            let outcome = take(entries, &gate, amount, now_ms, now)?;
            if !matches!(outcome, TakeOutcome::Taken(_) | TakeOutcome::Missing) {
                let refused = match entries.get(gate.refused_key) {
                    Some(entry) => counter_value(gate.refused_key, &entry.value)?,
                    None => 0,
                };
                let expires_at =
                    entries.get(gate.refused_key).map_or(Some(now + crate::REFUSALS_KEPT), |e| e.expires_at);
                let value = Value::Text((refused + 1).to_string());
                entries.insert(gate.refused_key.to_string(), Entry { value, expires_at });
            }
            Ok(outcome)
        })
    }

    fn with_sorted<T>(&self, key: &str, op: impl FnOnce(&mut HashMap<String, f64>) -> T) -> Result<T, KvError> {
        self.with_key_mut(key, |entries, _| {
            let entry = entries
                .entry(key.to_string())
                .or_insert_with(|| Entry { value: Value::Sorted(HashMap::new()), expires_at: None });
            match &mut entry.value {
                Value::Sorted(set) => {
                    let result = op(set);
                    // Redis deletes a sorted set whose last member goes.
                    if set.is_empty() {
                        entries.remove(key);
                    }
                    Ok(result)
                }
                Value::Text(_) => Err(wrong_type(key)),
            }
        })
    }

    pub async fn zadd(&self, key: &str, member: &str, score: f64) -> Result<(), KvError> {
        self.with_sorted(key, |set| {
            set.insert(member.to_string(), score);
        })
    }

    pub async fn zincr(&self, key: &str, member: &str, by: f64) -> Result<f64, KvError> {
        self.with_sorted(key, |set| {
            let score = set.entry(member.to_string()).or_insert(0.0);
            *score += by;
            *score
        })
    }

    pub async fn zscore(&self, key: &str, member: &str) -> Result<Option<f64>, KvError> {
        self.with_key(key, |entries, _| match entries.get(key) {
            None => Ok(None),
            Some(Entry { value: Value::Sorted(set), .. }) => Ok(set.get(member).copied()),
            Some(_) => Err(wrong_type(key)),
        })
    }

    pub async fn zrem(&self, key: &str, member: &str) -> Result<bool, KvError> {
        if !self.with_key(key, |entries, _| entries.contains_key(key)) {
            return Ok(false);
        }
        self.with_sorted(key, |set| set.remove(member).is_some())
    }

    pub async fn ztop(&self, key: &str, count: usize) -> Result<Vec<(String, f64)>, KvError> {
        self.with_key(key, |entries, _| match entries.get(key) {
            None => Ok(Vec::new()),
            Some(Entry { value: Value::Sorted(set), .. }) => {
                let mut members: Vec<(String, f64)> = set.iter().map(|(m, s)| (m.clone(), *s)).collect();
                members.sort_by(|a, b| b.1.total_cmp(&a.1).then_with(|| b.0.cmp(&a.0)));
                members.truncate(count);
                Ok(members)
            }
            Some(_) => Err(wrong_type(key)),
        })
    }

    pub async fn publish(&self, channel: &str, payload: &str) -> Result<(), KvError> {
        self.fanout.deliver(channel, payload);
        Ok(())
    }

    pub async fn subscribe(&self, channel: &str) -> Result<Subscription, KvError> {
        Ok(self.fanout.subscribe(channel).0)
    }
}

fn text_entry(value: &str, ttl: Option<Duration>, now: Instant) -> Entry {
    Entry { value: Value::Text(value.to_string()), expires_at: ttl.map(|ttl| now + ttl) }
}

fn counter_value(key: &str, value: &Value) -> Result<i64, KvError> {
    match value {
        Value::Text(text) => text.parse().map_err(|_| wrong_type(key)),
        Value::Sorted(_) => Err(wrong_type(key)),
    }
}

fn wrong_type(key: &str) -> KvError {
    KvError::WrongType { key: key.to_string() }
}

/// The gate's conditions in order, on a map already rid of the gate's expired keys.
fn take(
    entries: &mut Entries,
    gate: &Gate<'_>,
    amount: i64,
    now_ms: i64,
    now: Instant,
) -> Result<TakeOutcome, KvError> {
    if now_ms < gate.opens_at_ms {
        return Ok(TakeOutcome::NotOpen);
    }
    if now_ms >= gate.closes_at_ms {
        return Ok(TakeOutcome::Closed);
    }
    let Some(stock) = entries.get(gate.stock_key) else { return Ok(TakeOutcome::Missing) };
    let left = counter_value(gate.stock_key, &stock.value)?;
    let held = match entries.get(gate.holder_key) {
        Some(entry) => counter_value(gate.holder_key, &entry.value)?,
        None => 0,
    };
    if held + amount > gate.limit {
        return Ok(TakeOutcome::OverLimit(held));
    }
    if left < amount {
        return Ok(TakeOutcome::Insufficient(left));
    }
    if let Some(stock) = entries.get_mut(gate.stock_key) {
        stock.value = Value::Text((left - amount).to_string());
    }
    entries.insert(gate.holder_key.to_string(), text_entry(&(held + amount).to_string(), Some(gate.holder_ttl), now));
    Ok(TakeOutcome::Taken(left - amount))
}
