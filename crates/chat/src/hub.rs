//! Delivery to connected devices. Every gateway keeps a [`Hub`] of its own open connections by
//! user. Events travel between gateways on one kv pub/sub channel ([`CHANNEL`]): each gateway
//! publishes an envelope naming the users it is for, and every gateway's hub hands it to the
//! connections it holds for them. With the in-process kv that is one gateway talking to itself.
//!
//! Pub/sub is at most once. Nothing is lost by it: every message is stored before it is
//! published, and a client that misses events (a lagging gateway tells it to `resync`) catches up
//! by seq.

use bazaar_core::ids::UserId;
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use tokio::sync::{Notify, watch};

/// The kv channel carrying chat events between gateways.
pub const CHANNEL: &str = "chat:events";

/// Events a connection may have queued before it counts as too slow and is closed (the client
/// reconnects and syncs by seq).
const QUEUE_PER_CONNECTION: usize = 256;

/// A serialized event, shared by every connection it goes to.
pub type Outbound = Arc<str>;

/// What travels on [`CHANNEL`].
#[derive(Serialize, Deserialize)]
pub(crate) struct Envelope<'a> {
    #[serde(default)]
    pub to: Vec<UserId>,
    /// The connection the event came from, which already has it (`<gateway>:<connection>`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub skip: Option<&'a str>,
    #[serde(borrow, default, skip_serializing_if = "Option::is_none")]
    pub event: Option<&'a RawValue>,
    /// The sensitive-word list changed: reload it.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub reload_words: bool,
}

#[derive(Clone)]
pub struct Hub {
    inner: Arc<Inner>,
}

struct Inner {
    /// Tells this gateway's connections apart from every other gateway's.
    instance: String,
    next_connection: AtomicU64,
    users: Mutex<HashMap<UserId, Vec<Local>>>,
    shutdown: watch::Sender<bool>,
}

struct Local {
    id: u64,
    queue: Arc<Queue>,
}

/// One connection's pending events. A plain locked deque and a `Notify` rather than a channel:
/// an idle connection then costs a few dozen bytes here instead of a channel's preallocated block,
/// which matters at tens of thousands of connections per gateway.
#[derive(Default)]
struct Queue {
    events: Mutex<VecDeque<Outbound>>,
    ready: Notify,
    /// Set when the queue overflowed: the connection ends once it has drained what it holds.
    overflowed: AtomicBool,
}

impl Queue {
    /// Queues `event`; false (and the queue is closed) when the reader has fallen too far behind.
    fn push(&self, event: &Outbound) -> bool {
        let mut events = self.events.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        if events.len() >= QUEUE_PER_CONNECTION {
            self.overflowed.store(true, Ordering::Release);
            drop(events);
            self.ready.notify_one();
            return false;
        }
        events.push_back(event.clone());
        drop(events);
        self.ready.notify_one();
        true
    }

    fn pop(&self) -> Option<Outbound> {
        self.events.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).pop_front()
    }
}

impl Default for Hub {
    fn default() -> Hub {
        Hub::new()
    }
}

impl Hub {
    pub fn new() -> Hub {
        static HUBS: AtomicU64 = AtomicU64::new(0);
        let nanos =
            std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_nanos()).unwrap_or(0);
        let instance = format!("{:x}.{:x}.{}", std::process::id(), nanos, HUBS.fetch_add(1, Ordering::Relaxed));
        let (shutdown, _) = watch::channel(false);
        Hub {
            inner: Arc::new(Inner {
                instance,
                next_connection: AtomicU64::new(1),
                users: Mutex::new(HashMap::new()),
                shutdown,
            }),
        }
    }

    /// Registers a device of `user_id`; events for the user arrive on the returned connection
    /// until it is dropped.
    pub fn connect(&self, user_id: UserId) -> Connection {
        let id = self.inner.next_connection.fetch_add(1, Ordering::Relaxed);
        let queue = Arc::new(Queue::default());
        self.inner.users().entry(user_id).or_default().push(Local { id, queue: queue.clone() });
        Connection {
            origin: format!("{}:{id}", self.inner.instance),
            id,
            user_id,
            queue,
            shutdown: self.inner.shutdown.subscribe(),
            hub: self.inner.clone(),
        }
    }

    /// Open connections on this gateway.
    pub fn connections(&self) -> usize {
        self.inner.users().values().map(Vec::len).sum()
    }

    /// Tells every connection the server is stopping (they close with "going away").
    pub fn shut_down(&self) {
        self.inner.shutdown.send_replace(true);
    }

    /// Hands an envelope from [`CHANNEL`] to this gateway's connections. Returns whether it asked
    /// for the sensitive-word list to be reloaded.
    pub(crate) fn dispatch(&self, payload: &str) -> bool {
        let Ok(envelope) = serde_json::from_str::<Envelope<'_>>(payload) else {
            tracing::warn!("ignoring a malformed chat envelope");
            return false;
        };
        if let Some(event) = envelope.event {
            let event: Outbound = Arc::from(event.get());
            let skip = envelope.skip.and_then(|origin| self.local_id(origin));
            let mut users = self.inner.users();
            for user in &envelope.to {
                if let Some(locals) = users.get_mut(user) {
                    // A full queue means a client that stopped reading: drop it rather than grow
                    // without bound; its connection closes and the client resyncs.
                    locals.retain(|local| Some(local.id) == skip || local.queue.push(&event));
                    if locals.is_empty() {
                        users.remove(user);
                    }
                }
            }
        }
        envelope.reload_words
    }

    /// Pub/sub dropped messages on this gateway: every connection is told to catch up by seq.
    pub(crate) fn resync_all(&self) {
        let event: Outbound = Arc::from(r#"{"type":"resync"}"#);
        for locals in self.inner.users().values_mut() {
            locals.retain(|local| local.queue.push(&event));
        }
    }

    fn local_id(&self, origin: &str) -> Option<u64> {
        let (instance, id) = origin.rsplit_once(':')?;
        (instance == self.inner.instance).then(|| id.parse().ok()).flatten()
    }
}

impl Inner {
    fn users(&self) -> std::sync::MutexGuard<'_, HashMap<UserId, Vec<Local>>> {
        // The map holds only senders; a panic elsewhere cannot leave it half-updated.
        self.users.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// One connected device.
pub struct Connection {
    origin: String,
    id: u64,
    user_id: UserId,
    queue: Arc<Queue>,
    shutdown: watch::Receiver<bool>,
    hub: Arc<Inner>,
}

impl Connection {
    /// Names this connection in envelopes, so an event it caused is not echoed back to it.
    pub fn origin(&self) -> &str {
        &self.origin
    }

    /// The next event for this device; `None` once the hub dropped it for being too slow.
    pub async fn next_event(&mut self) -> Option<Outbound> {
        loop {
            if let Some(event) = self.queue.pop() {
                return Some(event);
            }
            if self.queue.overflowed.load(Ordering::Acquire) {
                return None;
            }
            // `notify_one` leaves a permit when nobody waits, so a push between the checks above
            // and this wait is not missed.
            self.queue.ready.notified().await;
        }
    }

    /// What tells this connection the server is stopping.
    pub fn shutdown_signal(&self) -> ShutdownSignal {
        ShutdownSignal(self.shutdown.clone())
    }
}

/// Resolves [`ShutdownSignal::stopping`] when the server begins to shut down.
pub struct ShutdownSignal(watch::Receiver<bool>);

impl ShutdownSignal {
    pub async fn stopping(&mut self) {
        // An error means the hub is gone, which is a shutdown too.
        let _ = self.0.wait_for(|stopping| *stopping).await;
    }
}

impl Drop for Connection {
    fn drop(&mut self) {
        let mut users = self.hub.users();
        if let Some(locals) = users.get_mut(&self.user_id) {
            locals.retain(|local| local.id != self.id);
            if locals.is_empty() {
                users.remove(&self.user_id);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Hub;
    use bazaar_core::ids::UserId;

    fn envelope(to: &[i64], skip: Option<&str>, n: usize) -> String {
        serde_json::json!({ "to": to, "skip": skip, "event": { "type": "message", "n": n } }).to_string()
    }

    #[tokio::test]
    async fn delivers_to_every_device_of_the_named_users_except_the_origin() {
        let hub = Hub::new();
        let (mut phone, mut tablet, mut other) =
            (hub.connect(UserId(1)), hub.connect(UserId(1)), hub.connect(UserId(2)));
        hub.dispatch(&envelope(&[1], Some(phone.origin()), 7));
        assert_eq!(tablet.next_event().await.as_deref(), Some(r#"{"n":7,"type":"message"}"#));
        hub.dispatch(&envelope(&[1, 2], None, 8));
        assert!(
            phone.next_event().await.is_some_and(|e| e.contains("\"n\":8")),
            "the origin skipped only its own event"
        );
        assert!(other.next_event().await.is_some_and(|e| e.contains("\"n\":8")));
        assert_eq!(hub.connections(), 3);
        drop(tablet);
        assert_eq!(hub.connections(), 2);
    }

    #[tokio::test]
    async fn a_device_that_stops_reading_is_dropped_not_buffered_forever() {
        let hub = Hub::new();
        let mut stuck = hub.connect(UserId(1));
        for n in 0..=super::QUEUE_PER_CONNECTION {
            hub.dispatch(&envelope(&[1], None, n));
        }
        let mut queued = 0;
        while stuck.next_event().await.is_some() {
            queued += 1;
        }
        assert_eq!(queued, super::QUEUE_PER_CONNECTION, "the queue is drained, then the connection ends");
        assert_eq!(hub.connections(), 0);
    }

    #[tokio::test]
    async fn another_gateways_origin_is_not_skipped_here() {
        let (here, there) = (Hub::new(), Hub::new());
        let mut local = here.connect(UserId(1));
        let remote = there.connect(UserId(1));
        // Both are connection 1 of their gateway; only the gateway part tells them apart.
        here.dispatch(&envelope(&[1], Some(remote.origin()), 1));
        assert!(local.next_event().await.is_some());
    }
}
