//! Visits of short links, recorded off the redirect's path: the redirect hands a [`Visit`] to a
//! bounded queue and answers; one task per gateway writes what queued every
//! `link_visit_flush_ms`, in one transaction (the rows, and each link's counted visits). A full
//! queue (about ten seconds of a scan storm) drops the visit, counted in the log, rather than
//! slowing the redirect.

use bazaar_core::ids::{ShortLinkId, UserId};
use bazaar_db::schema::{link_visits as lv, short_links as sl};
use bazaar_db::{Database, write_transaction};
use chrono::NaiveDateTime;
use diesel::prelude::*;
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;
use tokio::sync::{mpsc, oneshot};

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

/// Whether a user agent is a crawler or a link-preview fetcher (chat apps fetch a link to show
/// its card): those follows are recorded but not counted as visits.
pub fn looks_like_bot(user_agent: &str) -> bool {
    const MARKERS: &[&str] = &[
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
    let agent = user_agent.to_ascii_lowercase();
    agent.trim().is_empty() || MARKERS.iter().any(|marker| agent.contains(marker))
}

/// A coarse device class for the funnel.
pub fn device_class(user_agent: &str) -> &'static str {
    let agent = user_agent.to_ascii_lowercase();
    if agent.contains("iphone") || agent.contains("ipad") || agent.contains("ipod") {
        "ios"
    } else if agent.contains("android") || agent.contains("harmonyos") {
        "android"
    } else if agent.contains("windows") || agent.contains("macintosh") || agent.contains("x11") {
        "desktop"
    } else {
        "other"
    }
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

enum Command {
    Visit(Visit),
    Flush(oneshot::Sender<()>),
}

/// The queue redirects hand visits to.
#[derive(Clone)]
pub struct VisitRecorder {
    queue: mpsc::Sender<Command>,
    dropped: Arc<AtomicU64>,
}

/// About ten seconds of a scan storm at full speed on two cores (~150 bytes a visit).
const QUEUE: usize = 250_000;
const BATCH: usize = 5_000;

impl VisitRecorder {
    /// Starts the writer task on the current tokio runtime.
    pub fn start(db: Database, every: Duration) -> VisitRecorder {
        let (queue, commands) = mpsc::channel(QUEUE);
        tokio::spawn(write_loop(db, commands, every));
        VisitRecorder { queue, dropped: Arc::default() }
    }

    /// Queues a visit; never waits.
    pub fn record(&self, visit: Visit) {
        if self.queue.try_send(Command::Visit(visit)).is_err() {
            let dropped = self.dropped.fetch_add(1, Ordering::Relaxed) + 1;
            if dropped.is_power_of_two() {
                tracing::warn!(dropped, "link visits dropped: the visit queue is full");
            }
        }
    }

    /// Waits until everything queued before this call is written (tests, shutdown).
    pub async fn flush(&self) {
        let (done, wait) = oneshot::channel();
        if self.queue.send(Command::Flush(done)).await.is_ok() {
            let _ = wait.await;
        }
    }
}

async fn write_loop(db: Database, mut commands: mpsc::Receiver<Command>, every: Duration) {
    let mut batch = Vec::new();
    let mut waiting = Vec::new();
    let mut tick = tokio::time::interval(every);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            command = commands.recv() => match command {
                Some(Command::Visit(visit)) => {
                    batch.push(visit);
                    if batch.len() < BATCH {
                        continue;
                    }
                }
                Some(Command::Flush(done)) => waiting.push(done),
                None => {
                    write(&db, std::mem::take(&mut batch)).await;
                    return;
                }
            },
            _ = tick.tick() => {}
        }
        if !batch.is_empty() {
            write(&db, std::mem::take(&mut batch)).await;
        }
        for done in waiting.drain(..) {
            let _ = done.send(());
        }
    }
}

/// Writes a batch; a failed write is retried once, then logged and dropped (visits are
/// statistics, never money).
async fn write(db: &Database, batch: Vec<Visit>) {
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
    // 1000 rows of 8 values: within both backends' limits on bound parameters.
    for chunk in batch.chunks(1000) {
        let rows: Vec<_> = chunk
            .iter()
            .map(|visit| {
                (
                    lv::link_id.eq(visit.link),
                    lv::visited_at.eq(visit.at),
                    lv::day.eq(bazaar_core::clock::china_time(visit.at).date().to_string()),
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
        assert!(looks_like_bot("WhatsApp/2.23"));
        assert!(looks_like_bot("Mozilla/5.0 (compatible; Googlebot/2.1)"));
        assert!(looks_like_bot(""));
        let phone = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 MicroMessenger/8.0";
        assert!(!looks_like_bot(phone));
        assert_eq!(device_class(phone), "ios");
    }

    #[test]
    fn the_client_hash_changes_with_the_day() {
        let a = client_hash(b"salt", "2026-12-07", "10.0.0.1", "ua");
        assert_eq!(a, client_hash(b"salt", "2026-12-07", "10.0.0.1", "ua"));
        assert_ne!(a, client_hash(b"salt", "2026-12-08", "10.0.0.1", "ua"));
    }
}
