//! What a query needs of every document it matches, besides its score — the relevance boost, the
//! category, the brand and the price bucket — held per segment as one plain array of 8-byte rows.
//!
//! Why not read tantivy's fast columns per match: a broad query (手机 matches ~165k of 1M products)
//! read four columns per match, each a virtual call that decodes a bit-packed or piecewise-linear
//! block; that was about 40% of the query's time (profiled). Segments never change once written
//! (deletes only hide documents), so their rows are decoded once, when a reader first sees the
//! segment — tantivy calls [`DocValues`] as a `Warmer` on every reload — and dropped with it.
//!
//! Why 8 bytes: a broad query reads rows from all over the array, which is more than the processor
//! caches keep, so each match costs a read from memory; the smaller the row, the more matches
//! share a cache line (12-byte rows: the row read was a quarter of 手机's time).

use std::collections::HashMap;
use std::sync::{Arc, RwLock};
use tantivy::columnar::{Cardinality, Column, ColumnValues};
use tantivy::index::SegmentId;
use tantivy::{Searcher, SearcherGeneration, SegmentReader, Warmer};

/// Bit fields of a row, lowest first: the boost as stored (× `BOOST_SCALE`, 16 bits), the price
/// bucket (3), the category slot (20) and the brand ordinal (25). A slot or ordinal too large for
/// its field — a segment with over a million categories or 33 million brands — is stored as all
/// ones, which no facet count has, so the document is left out of that facet instead of being
/// counted under another value.
const BOOST_BITS: u32 = 16;
const BUCKET_BITS: u32 = 3;
const SLOT_BITS: u32 = 20;
const BRAND_BITS: u32 = 25;
const BUCKET_AT: u32 = BOOST_BITS;
const SLOT_AT: u32 = BUCKET_AT + BUCKET_BITS;
const BRAND_AT: u32 = SLOT_AT + SLOT_BITS;
const _: () = assert!(BRAND_AT + BRAND_BITS == 64);

fn mask(bits: u32) -> u64 {
    (1 << bits) - 1
}

/// `value` in a field of `bits`, or all ones when it does not fit.
fn field(value: u64, bits: u32) -> u64 {
    if value < mask(bits) { value } else { mask(bits) }
}

/// One document's values, packed.
#[derive(Debug, Clone, Copy)]
pub struct DocRow(u64);

impl DocRow {
    fn new(boost: u64, bucket: u64, slot: u64, brand: Option<u64>) -> DocRow {
        let brand = brand.map_or(mask(BRAND_BITS), |b| field(b, BRAND_BITS));
        DocRow(
            field(boost, BOOST_BITS)
                | field(bucket, BUCKET_BITS) << BUCKET_AT
                | field(slot, SLOT_BITS) << SLOT_AT
                | brand << BRAND_AT,
        )
    }

    /// The popularity multiplier applied to the document's relevance score.
    pub fn boost(self) -> f32 {
        ((self.0 & mask(BOOST_BITS)) as f64 / crate::schema::BOOST_SCALE) as f32
    }

    pub fn price_bucket(self) -> usize {
        (self.0 >> BUCKET_AT & mask(BUCKET_BITS)) as usize
    }

    /// Index into [`SegmentValues::categories`].
    pub fn category_slot(self) -> usize {
        (self.0 >> SLOT_AT & mask(SLOT_BITS)) as usize
    }

    /// Index into [`SegmentValues::brands`]; out of its range when the product has no brand.
    pub fn brand(self) -> usize {
        (self.0 >> BRAND_AT) as usize
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
                // Ordinals past the row's brand field are never counted (see `field`).
                for ord in 0..(column.num_terms() as u64).min(mask(BRAND_BITS)) {
                    name.clear();
                    column.ord_to_str(ord, &mut name)?;
                    brands.push(name.clone());
                }
                (Some(column_values(column.ords().clone(), u64::MAX)), brands)
            }
            None => (None, Vec::new()),
        };
        let mut slots: HashMap<u64, u64> = HashMap::new();
        let mut categories = Vec::new();
        let mut rows = Vec::with_capacity(segment.max_doc() as usize);
        for doc in 0..segment.max_doc() {
            let id = category.get_val(doc);
            let slot = *slots.entry(id).or_insert_with(|| {
                // Past the slot field's range a category gets the uncounted slot, not a slot.
                if categories.len() as u64 >= mask(SLOT_BITS) {
                    return mask(SLOT_BITS);
                }
                categories.push(id as i64);
                categories.len() as u64 - 1
            });
            let brand = brand.as_ref().map(|b| b.get_val(doc)).filter(|&ord| ord != u64::MAX);
            rows.push(DocRow::new(boost.get_val(doc), bucket.get_val(doc), slot, brand));
        }
        Ok(SegmentValues { rows, categories, brands })
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_row_gives_back_what_was_packed_into_it() {
        let row = DocRow::new(12_345, 5, 700_000, Some(30_000_000));
        assert_eq!(row.boost(), 1.2345);
        assert_eq!(row.price_bucket(), 5);
        assert_eq!(row.category_slot(), 700_000);
        assert_eq!(row.brand(), 30_000_000);
    }

    #[test]
    fn values_too_large_for_their_field_become_the_uncounted_value() {
        let row = DocRow::new(70_000, 9, 1 << 21, None);
        assert_eq!(row.boost(), ((1 << 16) - 1) as f32 / 10_000.0);
        assert_eq!(row.price_bucket(), 7);
        assert_eq!(row.category_slot(), (1 << 20) - 1);
        assert_eq!(row.brand(), (1 << 25) - 1);
        assert_eq!(DocRow::new(10_000, 0, 0, Some(1 << 30)).brand(), (1 << 25) - 1);
    }
}
