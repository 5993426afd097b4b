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

/// The district's calendar day `at` (UTC) falls on.
pub fn china_day(at: NaiveDateTime) -> chrono::NaiveDate {
    china_time(at).date()
}

/// When the district's calendar day `day` begins, in UTC.
pub fn china_day_start(day: chrono::NaiveDate) -> NaiveDateTime {
    day.and_time(chrono::NaiveTime::MIN) - chrono::TimeDelta::hours(8)
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

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    /// A shop's "today" starts at its midnight: 16:00 UTC is already tomorrow in Shanghai.
    #[test]
    fn the_district_day_turns_at_its_own_midnight() {
        let day = NaiveDate::from_ymd_opt(2026, 12, 4).unwrap();
        let at = |h, m| day.and_hms_opt(h, m, 0).unwrap();
        assert_eq!(china_day(at(15, 59)), day);
        assert_eq!(china_day(at(16, 0)), day.succ_opt().unwrap());
        assert_eq!(china_day_start(day), NaiveDate::from_ymd_opt(2026, 12, 3).unwrap().and_hms_opt(16, 0, 0).unwrap());
        assert_eq!(china_day(china_day_start(day)), day);
    }
}
