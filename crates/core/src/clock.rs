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

/// `at` (UTC) as the district's local time: China Standard Time, UTC+8 without daylight saving.
/// Daily limits, check-ins and shop hours all count in it.
pub fn china_time(at: NaiveDateTime) -> NaiveDateTime {
    at + chrono::TimeDelta::hours(8)
}

/// Serialises the portable schema's naive UTC timestamps as ISO 8601 with a `Z`, so API types can
/// keep the database's `NaiveDateTime` (`#[serde(serialize_with = "bazaar_core::clock::as_utc")]`).
pub fn as_utc<S: serde::Serializer>(at: &NaiveDateTime, serializer: S) -> Result<S::Ok, S::Error> {
    serde::Serialize::serialize(&at.and_utc(), serializer)
}

/// [`as_utc`] for optional timestamps.
pub fn as_utc_opt<S: serde::Serializer>(at: &Option<NaiveDateTime>, serializer: S) -> Result<S::Ok, S::Error> {
    serde::Serialize::serialize(&at.map(|at| at.and_utc()), serializer)
}
