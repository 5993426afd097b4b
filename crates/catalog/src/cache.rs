//! Page caches: serialized product pages and product-list pages held in memory, so a hot page
//! costs no database round trip and no serialisation. Any catalog change clears the list pages
//! (a change can move a product in or out of any list); product pages go one by one.
//!
//! Correctness rests on two rules. Every catalog write invalidates what it touched, locally at once
//! and on other gateways through kv pub/sub ([`CHANNEL`]). And a page read from the database is
//! stored only if no invalidation happened while it was being read (the epoch), so a slow reader
//! can never put back a version that a write just replaced.
//!
//! A third rule bounds what the first two miss (a change message lost while Redis was paused,
//! say): a page is served from memory for at most [`PAGE_TTL`], then read again.

use bazaar_core::ids::{ProductId, ShopId};
use bytes::Bytes;
use lru::LruCache;
use std::hash::Hash;
use std::sync::Arc;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// How long a cached page may be served before it is read again, whatever the invalidations
/// said. Short enough that a missed invalidation heals on its own; long enough that a hot page
/// still costs one database read per half minute per gateway.
pub const PAGE_TTL: Duration = Duration::from_secs(30);

/// The kv channel carrying catalog changes between gateways: `p:<product id>` or `s:<shop id>`.
pub const CHANNEL: &str = "catalog:changes";

#[derive(Debug)]
pub struct CachedPage {
    pub version: i64,
    /// The page as JSON, ready to send.
    pub json: Bytes,
    /// A product page's detail as well, for the H5 page rendered from the same cache entry. The
    /// typed copy is about as large as the JSON, so such an entry counts the JSON twice.
    pub detail: Option<Arc<crate::ProductDetail>>,
}

/// Serialized pages by key: product pages by product id, list pages by their query. Bounded by
/// bytes rather than entries, since pages differ in size (a long description, many SKUs); the least
/// recently used pages go first.
pub struct PageCache<K: Hash + Eq = ProductId> {
    entries: Mutex<Entries<K>>,
    epoch: AtomicU64,
    ttl: Duration,
}

struct Entries<K: Hash + Eq> {
    pages: LruCache<K, (Arc<CachedPage>, Instant)>,
    bytes: usize,
    budget: usize,
}

/// What an entry costs besides its JSON: key, `Arc`, and the LRU's node and table slot.
const ENTRY_OVERHEAD: usize = 96;

fn cost(page: &CachedPage) -> usize {
    page.json.len() * if page.detail.is_some() { 2 } else { 1 } + ENTRY_OVERHEAD
}

impl<K: Hash + Eq> Entries<K> {
    fn put(&mut self, key: K, page: Arc<CachedPage>) {
        self.bytes += cost(&page);
        if let Some((replaced, _)) = self.pages.put(key, (page, Instant::now())) {
            self.bytes -= cost(&replaced);
        }
        while self.bytes > self.budget {
            let Some((_, (evicted, _))) = self.pages.pop_lru() else { break };
            self.bytes -= cost(&evicted);
        }
    }

    fn pop(&mut self, key: &K) {
        if let Some((page, _)) = self.pages.pop(key) {
            self.bytes -= cost(&page);
        }
    }

    fn clear(&mut self) {
        self.pages.clear();
        self.bytes = 0;
    }
}

/// A change that invalidates pages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Change {
    Product(ProductId),
    /// A shop's page or status: its products' pages embed it, so every page goes.
    Shop(ShopId),
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
        let id: i64 = id.parse().ok()?;
        match kind {
            "p" => Some(Change::Product(ProductId(id))),
            "s" => Some(Change::Shop(ShopId(id))),
            _ => None,
        }
    }
}

impl<K: Hash + Eq> PageCache<K> {
    /// A cache holding at most `budget_bytes` of pages.
    pub fn new(budget_bytes: usize) -> PageCache<K> {
        PageCache::with_ttl(budget_bytes, PAGE_TTL)
    }

    pub fn with_ttl(budget_bytes: usize, ttl: Duration) -> PageCache<K> {
        let entries = Entries { pages: LruCache::unbounded(), bytes: 0, budget: budget_bytes };
        PageCache { entries: Mutex::new(entries), epoch: AtomicU64::new(0), ttl }
    }

    fn entries(&self) -> std::sync::MutexGuard<'_, Entries<K>> {
        // A panic while holding this lock cannot leave a half-written entry: the map stays usable.
        self.entries.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    pub fn get(&self, key: &K) -> Option<Arc<CachedPage>> {
        let mut entries = self.entries();
        match entries.pages.get(key) {
            Some((page, stored)) if stored.elapsed() < self.ttl => Some(page.clone()),
            Some(_) => {
                entries.pop(key);
                None
            }
            None => None,
        }
    }

    /// Bytes held now (JSON plus per-entry overhead).
    pub fn bytes(&self) -> usize {
        self.entries().bytes
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

impl PageCache<ProductId> {
    pub fn apply(&self, change: Change) {
        let mut entries = self.entries();
        self.epoch.fetch_add(1, Ordering::AcqRel);
        match change {
            Change::Product(id) => entries.pop(&id),
            Change::Shop(_) => entries.clear(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_budget_counts_bytes_so_big_pages_push_out_more() {
        let cache: PageCache = PageCache::new(room_for(4));
        for id in 1..=4 {
            cache.fill(ProductId(id), page(id), cache.epoch());
        }
        let big =
            Arc::new(CachedPage { version: 9, json: Bytes::from(vec![b' '; 2 * (2 + ENTRY_OVERHEAD)]), detail: None });
        cache.fill(ProductId(9), big, cache.epoch());
        assert!(cache.get(&ProductId(9)).is_some());
        let left = (1..=4).filter(|id| cache.get(&ProductId(*id)).is_some()).count();
        assert_eq!(left, 1, "a page three times the size of the small ones takes their room");
        assert!(cache.bytes() <= room_for(4));
        cache.apply(Change::Product(ProductId(9)));
        assert_eq!(cache.bytes(), room_for(1), "popping a page gives its bytes back");
    }

    fn page(version: i64) -> Arc<CachedPage> {
        Arc::new(CachedPage { version, json: Bytes::from_static(b"{}"), detail: None })
    }

    /// Room for `n` pages like [`page`].
    fn room_for(n: usize) -> usize {
        n * (2 + ENTRY_OVERHEAD)
    }

    #[test]
    fn a_fill_that_raced_an_invalidation_is_dropped() {
        let cache: PageCache = PageCache::new(room_for(10));
        let seen = cache.epoch();
        cache.apply(Change::Product(ProductId(1)));
        cache.fill(ProductId(1), page(1), seen);
        assert!(cache.get(&ProductId(1)).is_none(), "the stale page must not be stored");
        cache.fill(ProductId(1), page(2), cache.epoch());
        assert_eq!(cache.get(&ProductId(1)).map(|p| p.version), Some(2));
    }

    #[test]
    fn shop_changes_clear_every_page_and_capacity_is_bounded() {
        let cache: PageCache = PageCache::new(room_for(2));
        for id in 1..=3 {
            cache.fill(ProductId(id), page(id), cache.epoch());
        }
        assert!(cache.get(&ProductId(1)).is_none(), "least recently used goes first");
        assert_eq!(cache.bytes(), room_for(2));
        cache.apply(Change::Shop(ShopId(9)));
        assert!(cache.get(&ProductId(2)).is_none() && cache.get(&ProductId(3)).is_none());
        assert_eq!(cache.bytes(), 0);
    }

    #[test]
    fn changes_round_trip() {
        for change in [Change::Product(ProductId(42)), Change::Shop(ShopId(7))] {
            assert_eq!(Change::decode(&change.encode()), Some(change));
        }
        assert_eq!(Change::decode("x:1"), None);
        assert_eq!(Change::decode("p:abc"), None);
    }

    #[test]
    fn pages_expire_even_without_an_invalidation() {
        let cache: PageCache = PageCache::with_ttl(room_for(4), Duration::from_millis(30));
        cache.fill(ProductId(1), page(1), cache.epoch());
        assert!(cache.get(&ProductId(1)).is_some());
        std::thread::sleep(Duration::from_millis(60));
        assert!(cache.get(&ProductId(1)).is_none(), "an expired page is read again");
        assert_eq!(cache.bytes(), 0, "and its bytes are given back");
    }
}
