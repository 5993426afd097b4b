//! What a query needs of every document it matches, besides its score — the relevance boost, the
//! category, the brand and the price bucket — held per segment as one plain array of 12-byte rows.
//!
//! Why not read tantivy's fast columns per match: a broad query (手机 matches ~165k of 1M products)
//! read four columns per match, each a virtual call that decodes a bit-packed or piecewise-linear
//! block; that was about 40% of the query's time (profiled). Segments never change once written
//! (deletes only hide documents), so their rows are decoded once, when a reader first sees the
//! segment — tantivy calls [`DocValues`] as a `Warmer` on every reload — and dropped with it.

use crate::facet_counts::NO_BRAND;
use std::collections::HashMap;
use std::sync::{Arc, RwLock};
use tantivy::columnar::{Cardinality, Column, ColumnValues};
use tantivy::index::SegmentId;
use tantivy::{DocId, Searcher, SearcherGeneration, SegmentReader, Warmer};

/// Category slot and price bucket share one u32: the bucket in the top bits.
const BUCKET_SHIFT: u32 = 29;
const SLOT_MASK: u32 = (1 << BUCKET_SHIFT) - 1;

/// One document's values.
#[derive(Debug, Clone, Copy)]
pub struct DocRow {
    /// The popularity multiplier applied to the document's relevance score.
    pub boost: f32,
    category_and_bucket: u32,
    /// The brand's ordinal in the segment's brand dictionary, or [`NO_BRAND`].
    pub brand: u32,
}

impl DocRow {
    /// Index into [`SegmentValues::categories`].
    pub fn category_slot(&self) -> usize {
        (self.category_and_bucket & SLOT_MASK) as usize
    }

    pub fn price_bucket(&self) -> usize {
        (self.category_and_bucket >> BUCKET_SHIFT) as usize
    }
}

/// The rows of one segment, indexed by document id.
pub struct SegmentValues {
    pub rows: Vec<DocRow>,
    /// The distinct category ids of the segment; rows refer to them by position.
    pub categories: Vec<i64>,
    /// The brand dictionary: rows refer to brands by position.
    pub brands: Vec<String>,
}

/// Reads a column for every document: the value, or `default` where the document has none.
fn column_values<T>(column: Column<T>, default: T) -> Arc<dyn ColumnValues<T>>
where
    T: PartialOrd + Copy + std::fmt::Debug + Send + Sync + 'static,
{
    match column.get_cardinality() {
        Cardinality::Full => column.values,
        _ => column.first_or_default_col(default),
    }
}

impl SegmentValues {
    pub fn read(segment: &SegmentReader) -> tantivy::Result<SegmentValues> {
        let fast = segment.fast_fields();
        let boost = column_values(fast.u64("boost")?, crate::schema::BOOST_SCALE as u64);
        let category = column_values(fast.u64("category_id")?, 0);
        let bucket = column_values(fast.u64("price_bucket")?, 0);
        let (brand, brands) = match fast.str("brand_key")? {
            Some(column) => {
                let mut brands = Vec::with_capacity(column.num_terms());
                let mut name = String::new();
                for ord in 0..column.num_terms() as u64 {
                    name.clear();
                    column.ord_to_str(ord, &mut name)?;
                    brands.push(name.clone());
                }
                (Some(column_values(column.ords().clone(), NO_BRAND as u64)), brands)
            }
            None => (None, Vec::new()),
        };
        let mut slots: HashMap<u64, u32> = HashMap::new();
        let mut categories = Vec::new();
        let mut rows = Vec::with_capacity(segment.max_doc() as usize);
        for doc in 0..segment.max_doc() {
            let id = category.get_val(doc);
            let slot = *slots.entry(id).or_insert_with(|| {
                categories.push(id as i64);
                (categories.len() - 1) as u32
            });
            let bucket = (bucket.get_val(doc) as u32).min(u32::MAX >> BUCKET_SHIFT);
            rows.push(DocRow {
                boost: (boost.get_val(doc) as f64 / crate::schema::BOOST_SCALE) as f32,
                category_and_bucket: (slot & SLOT_MASK) | (bucket << BUCKET_SHIFT),
                brand: brand.as_ref().map_or(NO_BRAND, |b| b.get_val(doc).min(NO_BRAND as u64) as u32),
            });
        }
        Ok(SegmentValues { rows, categories, brands })
    }

    pub fn row(&self, doc: DocId) -> Option<&DocRow> {
        self.rows.get(doc as usize)
    }
}

/// The rows of every segment a live searcher uses.
#[derive(Default)]
pub struct DocValues {
    segments: RwLock<HashMap<SegmentId, Arc<SegmentValues>>>,
}

impl DocValues {
    /// The segment's rows: decoded by the warmer already, or now (a searcher made before the
    /// warmer saw its segments).
    pub fn of(&self, segment: &SegmentReader) -> tantivy::Result<Arc<SegmentValues>> {
        let id = segment.segment_id();
        if let Some(found) = self.segments.read().unwrap_or_else(|p| p.into_inner()).get(&id) {
            return Ok(found.clone());
        }
        let values = Arc::new(SegmentValues::read(segment)?);
        self.segments.write().unwrap_or_else(|p| p.into_inner()).insert(id, values.clone());
        Ok(values)
    }
}

impl Warmer for DocValues {
    fn warm(&self, searcher: &Searcher) -> tantivy::Result<()> {
        for segment in searcher.segment_readers() {
            self.of(segment)?;
        }
        Ok(())
    }

    fn garbage_collect(&self, live: &[&SearcherGeneration]) {
        let mut segments = self.segments.write().unwrap_or_else(|p| p.into_inner());
        segments.retain(|id, _| live.iter().any(|generation| generation.segments().contains_key(id)));
    }
}
