//! Local fan-out of pub/sub messages to the subscribers inside this process. The in-process store
//! publishes straight into it; the Redis store feeds it from its one subscriber connection.

use crate::KvError;
use std::collections::HashMap;
use std::sync::Mutex;
use tokio::sync::broadcast;

/// Messages a slow subscriber may fall behind by before it is told it lagged.
const CHANNEL_CAPACITY: usize = 1024;

#[derive(Default)]
pub(crate) struct Fanout {
    channels: Mutex<HashMap<String, broadcast::Sender<String>>>,
}

impl Fanout {
    /// A receiver for `channel`, and whether the channel is new here (so the caller subscribes upstream).
    pub(crate) fn subscribe(&self, channel: &str) -> (Subscription, bool) {
        let mut channels = lock_unpoisoned(&self.channels);
        if let Some(sender) = channels.get(channel) {
            return (Subscription { receiver: sender.subscribe() }, false);
        }
        let (sender, receiver) = broadcast::channel(CHANNEL_CAPACITY);
        channels.insert(channel.to_string(), sender);
        (Subscription { receiver }, true)
    }

    /// Hands `payload` to local subscribers. Returns false when the channel has none left (it is
    /// then forgotten, and the caller may unsubscribe upstream).
    pub(crate) fn deliver(&self, channel: &str, payload: &str) -> bool {
        let mut channels = lock_unpoisoned(&self.channels);
        let Some(sender) = channels.get(channel) else {
            return false;
        };
        if sender.send(payload.to_string()).is_err() {
            channels.remove(channel);
            return false;
        }
        true
    }

    pub(crate) fn channels(&self) -> Vec<String> {
        lock_unpoisoned(&self.channels).keys().cloned().collect()
    }
}

/// A poisoned lock only means another thread panicked mid-update of a map of senders; the map is
/// still usable, so carry on rather than take the whole process down.
pub(crate) fn lock_unpoisoned<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Messages on one channel, in publish order.
pub struct Subscription {
    receiver: broadcast::Receiver<String>,
}

impl Subscription {
    /// The next message. `Err(Lagged(n))` says `n` were missed; the next call continues after them.
    pub async fn recv(&mut self) -> Result<String, KvError> {
        match self.receiver.recv().await {
            Ok(message) => Ok(message),
            Err(broadcast::error::RecvError::Lagged(missed)) => Err(KvError::Lagged(missed)),
            Err(broadcast::error::RecvError::Closed) => Err(KvError::Closed),
        }
    }
}
