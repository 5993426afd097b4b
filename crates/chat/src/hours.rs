//! Customer-service hours: shops write them as local times ("09:00-21:00", several ranges separated
//! by commas, a range may run past midnight: "20:00-02:00"). The district runs on China Standard
//! Time (UTC+8, no daylight saving), so that is how a UTC instant is read against them.

use chrono::{NaiveDateTime, Timelike};

/// Whether `at` (UTC) falls inside `hours`. Hours that cannot be read count as always open, so a
/// typo never makes a shop send its away message around the clock.
pub fn within(hours: &str, at: NaiveDateTime) -> bool {
    let local = bazaar_core::clock::china_time(at);
    let minute = local.hour() * 60 + local.minute();
    let ranges: Option<Vec<(u32, u32)>> = hours.split(',').map(range).collect();
    match ranges {
        Some(ranges) if !ranges.is_empty() => ranges
            .iter()
            .any(|&(from, to)| if from <= to { (from..to).contains(&minute) } else { minute >= from || minute < to }),
        _ => true,
    }
}

fn range(raw: &str) -> Option<(u32, u32)> {
    let (from, to) = raw.trim().split_once('-')?;
    Some((minute_of_day(from)?, minute_of_day(to)?))
}

fn minute_of_day(raw: &str) -> Option<u32> {
    let (hour, minute) = raw.trim().split_once(':')?;
    let (hour, minute): (u32, u32) = (hour.parse().ok()?, minute.parse().ok()?);
    (hour <= 24 && minute < 60 && hour * 60 + minute <= 24 * 60).then_some(hour * 60 + minute)
}

#[cfg(test)]
mod tests {
    use super::within;
    use chrono::NaiveDate;

    fn utc(hour: u32, minute: u32) -> chrono::NaiveDateTime {
        NaiveDate::from_ymd_opt(2026, 11, 23).and_then(|d| d.and_hms_opt(hour, minute, 0)).expect("valid time")
    }

    #[test]
    fn reads_hours_in_china_standard_time() {
        // 01:30 UTC is 09:30 in Beijing.
        assert!(within("09:00-21:00", utc(1, 30)));
        assert!(!within("09:00-21:00", utc(0, 30)));
        assert!(!within("09:00-21:00", utc(13, 0)));
    }

    #[test]
    fn ranges_may_run_past_midnight_and_repeat() {
        assert!(within("20:00-02:00", utc(17, 0)));
        assert!(!within("20:00-02:00", utc(4, 0)));
        assert!(within("09:00-12:00, 14:00-18:00", utc(7, 0)));
        assert!(!within("09:00-12:00, 14:00-18:00", utc(5, 0)));
        assert!(within("00:00-24:00", utc(15, 59)));
    }

    #[test]
    fn unreadable_hours_count_as_open() {
        assert!(within("whenever", utc(3, 0)));
    }
}
