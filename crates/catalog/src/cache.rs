//! Page caches: serialized product pages and product-list pages held in memory, so a hot page
//! costs no database round trip and no serialisation. Any catalog change clears the list pages
//! (a change can move a product in or out of any list); product pages go one by one.
//!
//! Correctness rests on two rules. Every catalog write invalidates what it touched, locally at once
//! and on other gateways through kv pub/sub ([`CHANNEL`]). And a page read from the database is
//! stored only if no invalidation happened while it was being read (the epoch), so a slow reader
//! can never put back a version that a write just replaced.

use bytes::Bytes;
use lru::LruCache;
use std::hash::Hash;
use std::num::NonZeroUsize;
use std::sync::Arc;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

/// The kv channel carrying catalog changes between gateways: `p:<product id>` or `s:<shop id>`.
pub const CHANNEL: &str = "catalog:changes";

#[derive(Debug)]
pub struct CachedPage {
    pub version: i64,
    /// The page as JSON, ready to send.
    pub json: Bytes,
}

/// Serialized pages by key: product pages by product id, list pages by their query.
pub struct PageCache<K: Hash + Eq = i64> {
    entries: Mutex<LruCache<K, Arc<CachedPage>>>,
    epoch: AtomicU64,
}

/// A change that invalidates pages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Change {
    Product(i64),
    /// A shop's page or status: its products' pages embed it, so every page goes.
    Shop(i64),
}

impl Change {
    pub fn encode(self) -> String {
        match self {
            Change::Product(id) => format!("p:{id}"),
            Change::Shop(id) => format!("s:{id}"),
        }
    }

    pub fn decode(message: &str) -> Option<Change> {
        let (kind, id) = message.split_once(':')?;
        let id = id.parse().ok()?;
        match kind {
            "p" => Some(Change::Product(id)),
            "s" => Some(Change::Shop(id)),
            _ => None,
        }
    }
}

impl<K: Hash + Eq> PageCache<K> {
    pub fn new(capacity: usize) -> PageCache<K> {
        let capacity = NonZeroUsize::new(capacity.max(1)).unwrap_or(NonZeroUsize::MIN);
        PageCache { entries: Mutex::new(LruCache::new(capacity)), epoch: AtomicU64::new(0) }
    }

    fn entries(&self) -> std::sync::MutexGuard<'_, LruCache<K, Arc<CachedPage>>> {
        // A panic while holding this lock cannot leave a half-written entry: the map stays usable.
        self.entries.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    pub fn get(&self, key: &K) -> Option<Arc<CachedPage>> {
        self.entries().get(key).cloned()
    }

    /// Read before going to the database; pass to [`PageCache::fill`].
    pub fn epoch(&self) -> u64 {
        self.epoch.load(Ordering::Acquire)
    }

    /// Stores a page read from the database, unless something was invalidated since `epoch`.
    pub fn fill(&self, key: K, page: Arc<CachedPage>, epoch: u64) {
        let mut entries = self.entries();
        if self.epoch.load(Ordering::Acquire) == epoch {
            entries.put(key, page);
        }
    }

    /// Forgets everything (e.g. after missing change messages).
    pub fn clear(&self) {
        let mut entries = self.entries();
        self.epoch.fetch_add(1, Ordering::AcqRel);
        entries.clear();
    }
}

impl PageCache<i64> {
    pub fn apply(&self, change: Change) {
        let mut entries = self.entries();
        self.epoch.fetch_add(1, Ordering::AcqRel);
        match change {
            Change::Product(id) => {
                entries.pop(&id);
            }
            Change::Shop(_) => entries.clear(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn page(version: i64) -> Arc<CachedPage> {
        Arc::new(CachedPage { version, json: Bytes::from_static(b"{}") })
    }

    #[test]
    fn a_fill_that_raced_an_invalidation_is_dropped() {
        let cache: PageCache = PageCache::new(10);
        let seen = cache.epoch();
        cache.apply(Change::Product(1));
        cache.fill(1, page(1), seen);
        assert!(cache.get(&1).is_none(), "the stale page must not be stored");
        cache.fill(1, page(2), cache.epoch());
        assert_eq!(cache.get(&1).map(|p| p.version), Some(2));
    }

    #[test]
    fn shop_changes_clear_every_page_and_capacity_is_bounded() {
        let cache: PageCache = PageCache::new(2);
        for id in 1..=3 {
            cache.fill(id, page(id), cache.epoch());
        }
        assert!(cache.get(&1).is_none(), "least recently used goes first");
        cache.apply(Change::Shop(9));
        assert!(cache.get(&2).is_none() && cache.get(&3).is_none());
    }

    #[test]
    fn changes_round_trip() {
        for change in [Change::Product(42), Change::Shop(7)] {
            assert_eq!(Change::decode(&change.encode()), Some(change));
        }
        assert_eq!(Change::decode("x:1"), None);
        assert_eq!(Change::decode("p:abc"), None);
    }
}
