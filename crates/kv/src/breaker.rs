//! A circuit breaker in front of Redis. While Redis cannot be reached, every command would wait
//! for the connection manager's reconnect attempt (about 150 ms each, measured) before failing, and
//! a signed-in request makes two or three of them: the gateway crawled at 1% of its throughput.
//! After a connection failure the breaker refuses commands at once for a short while, so callers
//! take their fallback (the database, per-gateway counting) without waiting; then one caller at a
//! time probes, and the first success closes it.

use std::sync::atomic::{AtomicI64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// How long commands are refused after a failure before one probe is let through.
pub(crate) const OPEN_FOR: Duration = Duration::from_millis(500);

#[derive(Debug, Default)]
pub(crate) struct Breaker {
    /// 0 while closed; otherwise the unix millisecond until which commands are refused.
    open_until_ms: AtomicI64,
}

fn now_ms() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |since| i64::try_from(since.as_millis()).unwrap_or(i64::MAX))
}

impl Breaker {
    /// Whether a command may go to Redis now: always while closed; while open, only the one
    /// caller that claims the probe once the open period has passed.
    pub(crate) fn admit(&self) -> bool {
        let until = self.open_until_ms.load(Ordering::Acquire);
        if until == 0 {
            return true;
        }
        let now = now_ms();
        if now < until {
            return false;
        }
        // Half-open: pushing the deadline on claims the probe; everyone else stays refused.
        let next = now + i64::try_from(OPEN_FOR.as_millis()).unwrap_or(500);
        self.open_until_ms.compare_exchange(until, next, Ordering::AcqRel, Ordering::Acquire).is_ok()
    }

    /// What an admitted command found: Redis answered (closes), or could not be reached (opens).
    pub(crate) fn record(&self, reached: bool) {
        if reached {
            self.open_until_ms.store(0, Ordering::Release);
        } else {
            let until = now_ms() + i64::try_from(OPEN_FOR.as_millis()).unwrap_or(500);
            self.open_until_ms.store(until, Ordering::Release);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_failure_refuses_at_once_then_lets_one_probe_through() {
        let breaker = Breaker::default();
        assert!(breaker.admit(), "closed");
        breaker.record(false);
        assert!(!breaker.admit(), "open right after a failure");
        std::thread::sleep(OPEN_FOR + Duration::from_millis(20));
        assert!(breaker.admit(), "one probe once the open period passed");
        assert!(!breaker.admit(), "only one");
        breaker.record(true);
        assert!(breaker.admit() && breaker.admit(), "closed again after a success");
    }
}
