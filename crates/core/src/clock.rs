//! The clock. Code that decides by time (expiry, timeouts, sweepers) takes a `Clock` so tests can
//! move time instead of sleeping.

use chrono::{DateTime, NaiveDateTime, Utc};

pub trait Clock: Send + Sync + 'static {
    fn now(&self) -> DateTime<Utc>;

    /// UTC without an offset: the form the portable schema stores (see STACK-NOTES: no Timestamptz).
    fn now_naive(&self) -> NaiveDateTime {
        self.now().naive_utc()
    }
}

#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
}
