//! A circuit breaker in front of the pool. When connecting fails, the database is down: waiting
//! seconds for a connection on every request helps nobody, so requests are refused at once
//! (`DbError::Unavailable`, a 503) until a connection succeeds again. While open, one request at
//! a time, at most every [`PROBE_INTERVAL`], is let through to try — so the breaker closes within
//! about that interval of the database coming back, with no background task to keep alive.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// How often, while the database is down, a request may try it again.
pub const PROBE_INTERVAL: Duration = Duration::from_millis(250);

#[derive(Debug)]
pub struct Breaker {
    open: AtomicBool,
    /// Milliseconds since `start` when the next probe may run.
    next_probe_ms: AtomicU64,
    start: Instant,
}

impl Default for Breaker {
    fn default() -> Self {
        Breaker { open: AtomicBool::new(false), next_probe_ms: AtomicU64::new(0), start: Instant::now() }
    }
}

impl Breaker {
    fn now_ms(&self) -> u64 {
        u64::try_from(self.start.elapsed().as_millis()).unwrap_or(u64::MAX)
    }

    pub fn is_open(&self) -> bool {
        self.open.load(Ordering::Acquire)
    }

    /// A connection attempt failed: the database is down.
    pub fn trip(&self) {
        if !self.open.swap(true, Ordering::AcqRel) {
            tracing::error!("database unreachable; refusing requests at once until a connection succeeds");
        }
        self.next_probe_ms.store(self.now_ms() + probe_ms(), Ordering::Release);
    }

    /// A connection succeeded: the database is back.
    pub fn close(&self) {
        if self.open.swap(false, Ordering::AcqRel) {
            tracing::info!("database reachable again");
        }
    }

    /// Whether this request may go to the database: always when closed; when open, only the one
    /// request that claims the next probe slot.
    pub fn admit(&self) -> bool {
        if !self.is_open() {
            return true;
        }
        let now = self.now_ms();
        let due = self.next_probe_ms.load(Ordering::Acquire);
        now >= due
            && self.next_probe_ms.compare_exchange(due, now + probe_ms(), Ordering::AcqRel, Ordering::Acquire).is_ok()
    }
}

fn probe_ms() -> u64 {
    u64::try_from(PROBE_INTERVAL.as_millis()).unwrap_or(250)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_open_breaker_admits_one_probe_per_interval() {
        let breaker = Breaker::default();
        assert!(breaker.admit());
        breaker.trip();
        assert!(!breaker.admit(), "refused at once after a failed connect");
        std::thread::sleep(PROBE_INTERVAL + Duration::from_millis(20));
        assert!(breaker.admit(), "one probe when due");
        assert!(!breaker.admit(), "and only one");
        breaker.close();
        assert!(breaker.admit() && breaker.admit());
    }
}
