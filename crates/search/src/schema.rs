//! The index's fields. Text fields use the `zh` analyzer; `pinyin` holds the pinyin of the title,
//! brand and tags. Numbers are fast fields for sorting, filtering and boosting. Categories are a
//! facet of category ids (`/1/5`), which also makes "this category and its descendants" one term.

use crate::analysis::{PINYIN, ZH};
use tantivy::schema::{
    FAST, FacetOptions, Field, INDEXED, IndexRecordOption, STORED, STRING, Schema, TextFieldIndexing, TextOptions,
};

/// Fixed-point scale of the `boost` column.
pub const BOOST_SCALE: f64 = 10_000.0;

#[derive(Clone, Copy)]
pub struct Fields {
    pub id: Field,
    pub title: Field,
    pub subtitle: Field,
    pub brand: Field,
    /// The brand, trimmed and lowercased, untokenized: the brand filter and the brand facet.
    pub brand_key: Field,
    pub tags: Field,
    pub tag_keys: Field,
    pub attributes: Field,
    pub category_names: Field,
    pub category: Field,
    /// The product's own category id, a fast column for counting the category facet.
    pub category_id: Field,
    pub shop_id: Field,
    pub shop_name: Field,
    pub pinyin: Field,
    pub price: Field,
    pub sales: Field,
    pub rating: Field,
    /// Popularity multiplier for relevance, computed at indexing so a query multiplies one number.
    /// Stored as the multiplier × [`BOOST_SCALE`] in a u64 column: an f64 column takes 64 bits per
    /// document (8 MB at 1M, read at random for every match), this one ~13.
    pub boost: Field,
    /// Which of the price facet's buckets the lowest price falls in (3 bits per document).
    pub price_bucket: Field,
    pub stock: Field,
    pub created: Field,
    pub image: Field,
}

fn text(tokenizer: &str, stored: bool, positions: bool) -> TextOptions {
    let record = if positions { IndexRecordOption::WithFreqsAndPositions } else { IndexRecordOption::WithFreqs };
    let options = TextOptions::default()
        .set_indexing_options(TextFieldIndexing::default().set_tokenizer(tokenizer).set_index_option(record));
    if stored { options.set_stored() } else { options }
}

pub fn build() -> (Schema, Fields) {
    let mut schema = Schema::builder();
    let fields = Fields {
        id: schema.add_u64_field("id", INDEXED | STORED | FAST),
        title: schema.add_text_field("title", text(ZH, true, true)),
        subtitle: schema.add_text_field("subtitle", text(ZH, false, false)),
        brand: schema.add_text_field("brand", text(ZH, true, false)),
        brand_key: schema.add_text_field("brand_key", STRING | FAST),
        tags: schema.add_text_field("tags", text(ZH, false, false)),
        tag_keys: schema.add_text_field("tag_keys", STRING),
        attributes: schema.add_text_field("attributes", text(ZH, false, false)),
        category_names: schema.add_text_field("category_names", text(ZH, false, false)),
        category: schema.add_facet_field("category", FacetOptions::default()),
        category_id: schema.add_u64_field("category_id", FAST),
        shop_id: schema.add_u64_field("shop_id", INDEXED | STORED | FAST),
        shop_name: schema.add_text_field("shop_name", text(ZH, true, false)),
        pinyin: schema.add_text_field("pinyin", text(PINYIN, false, false)),
        price: schema.add_i64_field("price", INDEXED | STORED | FAST),
        sales: schema.add_i64_field("sales", STORED | FAST),
        rating: schema.add_f64_field("rating", FAST),
        boost: schema.add_u64_field("boost", FAST),
        price_bucket: schema.add_u64_field("price_bucket", FAST),
        stock: schema.add_i64_field("stock", INDEXED | STORED | FAST),
        created: schema.add_i64_field("created", FAST),
        image: schema.add_text_field("image", STORED),
    };
    (schema.build(), fields)
}
