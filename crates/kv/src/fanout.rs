//! Local fan-out of pub/sub messages to the subscribers inside this process. The in-process store
//! publishes straight into it; the Redis store feeds it from its one subscriber connection.

use crate::KvError;
use std::collections::HashMap;
use std::sync::Mutex;
use tokio::sync::broadcast;

/// Messages a slow subscriber may fall behind by before it is told it lagged.
const CHANNEL_CAPACITY: usize = 1024;

/// What a channel carries: a message, or word that messages may have been missed.
#[derive(Clone)]
enum Delivery {
    Message(String),
    /// The upstream subscription broke and was restored: whatever was published in between
    /// never arrived, so every listener must treat its state as stale.
    Gap,
}

#[derive(Default)]
pub(crate) struct Fanout {
    channels: Mutex<HashMap<String, broadcast::Sender<Delivery>>>,
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
        if sender.send(Delivery::Message(payload.to_string())).is_err() {
            channels.remove(channel);
            return false;
        }
        true
    }

    /// Tells every local subscriber that messages may have been missed (see [`Delivery::Gap`]).
    pub(crate) fn announce_gap(&self) {
        for sender in lock_unpoisoned(&self.channels).values() {
            let _ = sender.send(Delivery::Gap);
        }
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
    receiver: broadcast::Receiver<Delivery>,
}

impl Subscription {
    /// The next message. `Err(Lagged(n))` says messages were missed — `n` of them when this
    /// subscriber fell behind, an unknown number (`n` = 0) after the connection to Redis broke and
    /// came back; the next call continues after them.
    pub async fn recv(&mut self) -> Result<String, KvError> {
        match self.receiver.recv().await {
            Ok(Delivery::Message(message)) => Ok(message),
            Ok(Delivery::Gap) => Err(KvError::Lagged(0)),
            Err(broadcast::error::RecvError::Lagged(missed)) => Err(KvError::Lagged(missed)),
            Err(broadcast::error::RecvError::Closed) => Err(KvError::Closed),
        }
    }
}
