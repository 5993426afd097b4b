//! Visits of short links, recorded off the redirect's path: the redirect appends a [`Visit`] to a
//! bounded buffer and answers; one task per gateway writes what gathered every
//! `link_visit_flush_ms` (sooner when a batch is full), in one transaction (the rows, and each
//! link's counted visits). A full buffer (several seconds of a scan storm) drops the visit,
//! counted in the log, rather than slowing the redirect.
//!
//! A buffer under a lock rather than a channel: a channel wakes the writer for each visit, and
//! at tens of thousands of scans a second those wake-ups (a thread switch each) cost more than
//! the redirect itself. The writer is woken only by its timer, a full batch or a flush.

use bazaar_core::ids::{ShortLinkId, UserId};
use bazaar_db::schema::{link_visits as lv, short_links as sl};
use bazaar_db::{Database, write_transaction};
use chrono::NaiveDateTime;
use diesel::prelude::*;
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::sync::Arc;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;
use tokio::sync::{Notify, mpsc, oneshot};

/// One follow of a link, as the redirect saw it.
#[derive(Debug, Clone)]
pub struct Visit {
    pub link: ShortLinkId,
    pub at: NaiveDateTime,
    pub client: String,
    pub device: &'static str,
    pub bot: bool,
    pub user: Option<UserId>,
    /// The attribution cookie's id.
    pub visitor: Option<String>,
}

/// Marks of crawlers and link-preview fetchers (chat apps fetch a link to show its card), in
/// lower case: those follows are recorded but not counted as visits.
const BOT_MARKERS: &[&str] = &[
    "bot",
    "spider",
    "crawl",
    "slurp",
    "preview",
    "facebookexternalhit",
    "whatsapp",
    "telegram",
    "slack",
    "discord",
    "embedly",
    "curl/",
    "wget/",
    "python-requests",
    "python-urllib",
    "go-http-client",
    "okhttp",
    "headless",
    "lighthouse",
];

/// Whether a user agent looks like a bot, and its device class, from one lower-cased copy (the
/// redirect's path runs this for every scan).
pub fn classify(user_agent: &str) -> (bool, &'static str) {
    let agent = user_agent.to_ascii_lowercase();
    let bot = agent.trim().is_empty() || BOT_MARKERS.iter().any(|marker| agent.contains(marker));
    let device = if agent.contains("iphone") || agent.contains("ipad") || agent.contains("ipod") {
        "ios"
    } else if agent.contains("android") || agent.contains("harmonyos") {
        "android"
    } else if agent.contains("windows") || agent.contains("macintosh") || agent.contains("x11") {
        "desktop"
    } else {
        "other"
    };
    (bot, device)
}

/// The client's hash: IP and user agent with the day's salt, so the same phone counts once a
/// day (UV) and no address is stored.
pub fn client_hash(salt: &[u8], day: &str, ip: &str, user_agent: &str) -> String {
    let mut hasher = Sha256::new();
    for part in [salt, day.as_bytes(), ip.as_bytes(), user_agent.as_bytes()] {
        hasher.update((part.len() as u64).to_be_bytes());
        hasher.update(part);
    }
    hex::encode(&hasher.finalize()[..12])
}

/// What the redirects share with the writer.
#[derive(Default)]
struct Pending {
    visits: Mutex<Vec<Visit>>,
    /// A batch is ready: the writer need not wait for its timer.
    batch_ready: Notify,
    dropped: AtomicU64,
}

/// Where redirects hand their visits.
#[derive(Clone)]
pub struct VisitRecorder {
    pending: Arc<Pending>,
    flushes: mpsc::Sender<oneshot::Sender<()>>,
}

/// Several seconds of a scan storm at full speed on two cores (~200 bytes a visit: ~100 MB full).
const CAPACITY: usize = 500_000;
const BATCH: usize = 5_000;

impl VisitRecorder {
    /// Starts the writer task on the current tokio runtime.
    pub fn start(db: Database, every: Duration) -> VisitRecorder {
        let (flushes, requests) = mpsc::channel(64);
        let pending = Arc::new(Pending::default());
        tokio::spawn(write_loop(db, pending.clone(), requests, every));
        VisitRecorder { pending, flushes }
    }

    /// Keeps a visit for the writer; never waits for it.
    pub fn record(&self, visit: Visit) {
        let mut visits = self.pending.visits.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        if visits.len() >= CAPACITY {
            drop(visits);
            let dropped = self.pending.dropped.fetch_add(1, Ordering::Relaxed) + 1;
            if dropped.is_power_of_two() {
                tracing::warn!(dropped, "link visits dropped: the visit buffer is full");
            }
            return;
        }
        visits.push(visit);
        if visits.len() == BATCH {
            self.pending.batch_ready.notify_one();
        }
    }

    /// Waits until everything recorded before this call is written (tests, sign-in, shutdown).
    pub async fn flush(&self) {
        let (done, wait) = oneshot::channel();
        if self.flushes.send(done).await.is_ok() {
            let _ = wait.await;
        }
    }
}

async fn write_loop(
    db: Database,
    pending: Arc<Pending>,
    mut flushes: mpsc::Receiver<oneshot::Sender<()>>,
    every: Duration,
) {
    let mut tick = tokio::time::interval(every);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        let mut waiting = None;
        let mut closing = false;
        tokio::select! {
            _ = tick.tick() => {}
            () = pending.batch_ready.notified() => {}
            request = flushes.recv() => match request {
                Some(done) => waiting = Some(done),
                None => closing = true,
            },
        }
        let batch = std::mem::take(&mut *pending.visits.lock().unwrap_or_else(|poisoned| poisoned.into_inner()));
        if !batch.is_empty() {
            write(&db, batch).await;
        }
        if let Some(done) = waiting {
            let _ = done.send(());
        }
        if closing {
            return;
        }
    }
}

/// Writes a batch; a failed write is retried once, then logged and dropped (visits are
/// statistics, never money).
async fn write(db: &Database, batch: Vec<Visit>) {
    let batch = Arc::new(batch);
    for attempt in 0..2 {
        let rows = batch.clone();
        let result = db.run(move |conn| write_transaction(conn, |conn| write_batch(conn, &rows))).await;
        match result {
            Ok(()) => return,
            Err(err) if attempt == 0 => tracing::warn!(error = %err, "writing link visits failed; retrying"),
            Err(err) => tracing::error!(error = %err, visits = batch.len(), "link visits lost"),
        }
    }
}

fn write_batch(conn: &mut bazaar_db::DbConn, batch: &[Visit]) -> Result<(), bazaar_db::DbError> {
    let mut counted: HashMap<ShortLinkId, i64> = HashMap::new();
    // A batch spans a second or so: each China day is written out once, not once a row.
    let days: Vec<String> = {
        let mut last: Option<(chrono::NaiveDate, String)> = None;
        batch
            .iter()
            .map(|visit| {
                let date = bazaar_core::clock::china_time(visit.at).date();
                match &last {
                    Some((known, text)) if *known == date => text.clone(),
                    _ => {
                        let text = date.to_string();
                        last = Some((date, text.clone()));
                        text
                    }
                }
            })
            .collect()
    };
    // 1000 rows of 8 values: within both backends' limits on bound parameters.
    for (chunk, days) in batch.chunks(1000).zip(days.chunks(1000)) {
        let rows: Vec<_> = chunk
            .iter()
            .zip(days)
            .map(|(visit, day)| {
                (
                    lv::link_id.eq(visit.link),
                    lv::visited_at.eq(visit.at),
                    lv::day.eq(day),
                    lv::client.eq(&visit.client),
                    lv::device.eq(visit.device),
                    lv::bot.eq(visit.bot),
                    lv::user_id.eq(visit.user),
                    lv::visitor.eq(visit.visitor.as_deref()),
                )
            })
            .collect();
        // A multi-row insert has no form through the two-backend wrapper: run it on the backend's own.
        bazaar_db::native!(conn, |c| diesel::insert_into(lv::table).values(&rows).execute(c))?;
    }
    for visit in batch.iter().filter(|visit| !visit.bot) {
        *counted.entry(visit.link).or_default() += 1;
    }
    for (link, visits) in counted {
        diesel::update(sl::table.find(link)).set(sl::visits.eq(sl::visits + visits)).execute(conn)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn previews_and_crawlers_are_bots_and_phones_are_not() {
        assert!(classify("WhatsApp/2.23").0);
        assert!(classify("Mozilla/5.0 (compatible; Googlebot/2.1)").0);
        assert!(classify("").0);
        let phone = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 MicroMessenger/8.0";
        assert_eq!(classify(phone), (false, "ios"));
    }

    #[test]
    fn the_client_hash_changes_with_the_day() {
        let a = client_hash(b"salt", "2026-12-07", "10.0.0.1", "ua");
        assert_eq!(a, client_hash(b"salt", "2026-12-07", "10.0.0.1", "ua"));
        assert_ne!(a, client_hash(b"salt", "2026-12-08", "10.0.0.1", "ua"));
    }
}
