//! What a product page shows of promotions — the coupons one may claim on it and the automatic
//! deals that apply — kept a few seconds per product on each gateway. A page is read far more
//! often than a campaign changes, and showing a coupon a few seconds after it ran out is harmless:
//! claiming it checks the stock for real, in the database.

use crate::{ProductPromotions, TemplateView};
use bazaar_core::ids::ProductId;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// How long a product's offers are shown from memory.
pub const FRESH_FOR: Duration = Duration::from_secs(5);
/// Products remembered at once; beyond it the memo starts over (a cheap bound on memory).
const CAPACITY: usize = 10_000;

/// A product page's promotions.
#[derive(Debug, Clone)]
pub struct ProductOffers {
    pub coupons: Vec<TemplateView>,
    pub deals: ProductPromotions,
}

#[derive(Default)]
pub(crate) struct OffersCache {
    entries: Mutex<HashMap<ProductId, (Instant, Arc<ProductOffers>)>>,
}

impl OffersCache {
    pub(crate) fn get(&self, product: ProductId) -> Option<Arc<ProductOffers>> {
        let entries = self.entries.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        entries.get(&product).filter(|(at, _)| at.elapsed() < FRESH_FOR).map(|(_, offers)| offers.clone())
    }

    pub(crate) fn put(&self, product: ProductId, offers: Arc<ProductOffers>) {
        let mut entries = self.entries.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        if entries.len() >= CAPACITY {
            entries.clear();
        }
        entries.insert(product, (Instant::now(), offers));
    }
}
