//! One pass over everything a query matches: the total, the facet counts — category, brand, price
//! bucket — and, for relevance order, the best-scoring page with each score multiplied by the
//! document's popularity boost. Everything per match is read from the segment's [`DocValues`]
//! row (one memory read), counted into plain arrays.
//!
//! Why not tantivy's `FacetCollector`, `Count` and `TopDocs::tweak_score` side by side: the facet
//! collector maps a multi-valued ordinal column through a collapse table per match, and the three
//! collectors each read their own columns; on a broad query at 1M documents that was about half of
//! the search. Categories are counted by the product's own category and rolled up to the children
//! of the requested parent afterwards, with the current category tree (a few hundred entries).

use crate::doc_values::{DocRow, DocValues, SegmentValues};
use std::collections::HashMap;
use std::sync::Arc;
use tantivy::collector::sort_key::NaturalComparator;
use tantivy::collector::{Collector, SegmentCollector, TopNComputer};
use tantivy::{DocAddress, DocId, Score, SegmentOrdinal, SegmentReader};

/// Price buckets (fen) for the price facet; the last is open-ended.
pub const PRICE_BUCKETS: [(i64, i64); 6] =
    [(0, 5_000), (5_000, 10_000), (10_000, 50_000), (50_000, 100_000), (100_000, 500_000), (500_000, i64::MAX)];

pub(crate) fn bucket_of(price: i64) -> usize {
    PRICE_BUCKETS.iter().position(|&(from, to)| price >= from && price < to).unwrap_or(0)
}

/// What the counter found: counts by category id, by brand key, and per price bucket.
#[derive(Debug, Default)]
pub struct Counted {
    pub categories: HashMap<i64, u64>,
    pub brands: HashMap<String, u64>,
    pub prices: [u64; PRICE_BUCKETS.len()],
}

/// What [`Tally`] gives back.
#[derive(Debug, Default)]
pub struct Tallied {
    /// The best `top` documents by boosted score, best first (empty when not ranking).
    pub top: Vec<(Score, DocAddress)>,
    pub total: usize,
    pub facets: Option<Counted>,
}

/// The collector: always the total; facets when `facets`; the `top` best by boosted relevance
/// when `top` is set (other orders are collected beside it by tantivy's `TopDocs`).
pub struct Tally {
    pub values: Arc<DocValues>,
    pub facets: bool,
    pub top: Option<usize>,
}

pub struct SegmentTally {
    segment: SegmentOrdinal,
    values: Arc<SegmentValues>,
    total: usize,
    /// Per category slot, per brand ordinal, per price bucket (empty when facets are not wanted).
    by_category: Vec<u64>,
    by_brand: Vec<u64>,
    by_price: [u64; PRICE_BUCKETS.len()],
    facets: bool,
    /// Highest boosted score first.
    top: Option<TopNComputer<Score, DocId, NaturalComparator>>,
    /// Matches not yet counted; see [`SegmentTally::collect`].
    pending: Vec<(DocId, Score)>,
    /// The rows of `pending`, read ahead of counting them.
    fetched: Vec<Option<DocRow>>,
}

/// How many matches are counted at once.
const PENDING: usize = 256;

impl Collector for Tally {
    type Fruit = Tallied;
    type Child = SegmentTally;

    fn for_segment(&self, segment: SegmentOrdinal, reader: &SegmentReader) -> tantivy::Result<SegmentTally> {
        let values = self.values.of(reader)?;
        let (categories, brands) = if self.facets { (values.categories.len(), values.brands.len()) } else { (0, 0) };
        Ok(SegmentTally {
            segment,
            values,
            total: 0,
            by_category: vec![0; categories],
            by_brand: vec![0; brands],
            by_price: [0; PRICE_BUCKETS.len()],
            facets: self.facets,
            top: self.top.map(|n| TopNComputer::new_with_comparator(n, NaturalComparator)),
            pending: Vec::with_capacity(PENDING),
            fetched: Vec::with_capacity(PENDING),
        })
    }

    fn requires_scoring(&self) -> bool {
        self.top.is_some()
    }

    fn merge_fruits(&self, fruits: Vec<Tallied>) -> tantivy::Result<Tallied> {
        let mut merged = Tallied { facets: self.facets.then(Counted::default), ..Tallied::default() };
        for fruit in fruits {
            merged.total += fruit.total;
            merged.top.extend(fruit.top);
            if let (Some(sum), Some(counted)) = (merged.facets.as_mut(), fruit.facets) {
                for (id, count) in counted.categories {
                    *sum.categories.entry(id).or_default() += count;
                }
                for (brand, count) in counted.brands {
                    *sum.brands.entry(brand).or_default() += count;
                }
                for (total, count) in sum.prices.iter_mut().zip(counted.prices) {
                    *total += count;
                }
            }
        }
        // Best first; equal scores in document order, as tantivy's TopDocs orders them.
        merged.top.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
        merged.top.truncate(self.top.unwrap_or(0));
        Ok(merged)
    }
}

impl SegmentCollector for SegmentTally {
    type Fruit = Tallied;

    /// Matches are counted a few hundred at a time rather than one by one: a query that matches
    /// every tenth document or so (华为 手机) reads rows far apart, and when each read follows a step
    /// of the intersection the processor waits for one row after another from memory. Reading a
    /// batch of rows in one loop lets it fetch them side by side (profiled: the row read was ~40%
    /// of such a query).
    fn collect(&mut self, doc: DocId, score: Score) {
        self.pending.push((doc, score));
        if self.pending.len() == PENDING {
            self.count_pending();
        }
    }

    fn harvest(mut self) -> Tallied {
        self.count_pending();
        let top = self.top.map_or_else(Vec::new, |top| {
            top.into_vec().into_iter().map(|d| (d.sort_key, DocAddress::new(self.segment, d.doc))).collect()
        });
        let facets = self.facets.then(|| {
            let categories = (self.by_category.iter().zip(&self.values.categories))
                .filter(|(count, id)| **count > 0 && **id > 0)
                .map(|(count, id)| (*id, *count))
                .collect();
            let brands = (self.by_brand.iter().zip(&self.values.brands))
                .filter(|(count, _)| **count > 0)
                .map(|(count, brand)| (brand.clone(), *count))
                .collect();
            Counted { categories, brands, prices: self.by_price }
        });
        Tallied { top, total: self.total, facets }
    }
}

impl SegmentTally {
    fn count_pending(&mut self) {
        self.total += self.pending.len();
        // First only read the rows — a loop this small keeps many reads in flight at once — then
        // count them.
        let rows = &self.values.rows;
        self.fetched.clear();
        self.fetched.extend(self.pending.iter().map(|&(doc, _)| rows.get(doc as usize).copied()));
        for (&(doc, score), row) in self.pending.iter().zip(&self.fetched) {
            let Some(row) = row else { continue };
            if self.facets {
                if let Some(slot) = self.by_category.get_mut(row.category_slot()) {
                    *slot += 1;
                }
                if let Some(slot) = self.by_brand.get_mut(row.brand()) {
                    *slot += 1;
                }
                if let Some(slot) = self.by_price.get_mut(row.price_bucket()) {
                    *slot += 1;
                }
            }
            if let Some(top) = &mut self.top {
                top.push(score * row.boost(), doc);
            }
        }
        self.pending.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prices_fall_in_the_bucket_that_starts_at_or_below_them() {
        assert_eq!(bucket_of(0), 0);
        assert_eq!(bucket_of(4_999), 0);
        assert_eq!(bucket_of(5_000), 1);
        assert_eq!(bucket_of(499_999), 4);
        assert_eq!(bucket_of(10_000_000), 5);
    }
}
