//! The index's fields. `words` holds every searchable text of a product in one field, each part
//! repeated by its weight (`zh_weighted`), so a query word is one posting list; `title` and `brand`
//! are also indexed on their own (`zh`) for highlighting, typo tolerance and suggestions; `pinyin`
//! holds the pinyin of the title, brand and tags. Numbers are fast fields for sorting, filtering
//! and boosting. Categories are a facet of category ids (`/1/5`), which also makes "this category
//! and its descendants" one term.

use crate::analysis::{PINYIN, ZH, ZH_WEIGHTED};
use tantivy::schema::{
    FAST, FacetOptions, Field, INDEXED, IndexRecordOption, STORED, STRING, Schema, TextFieldIndexing, TextOptions,
};

/// How many times each part's words count in `words`: a title word outranks the same word in a
/// category name or shop name (BM25 term frequency, which saturates, so repetition is gentle).
pub struct WordWeights {
    pub title: u8,
    pub brand: u8,
    pub tags: u8,
    pub category_names: u8,
    pub attributes: u8,
    pub subtitle: u8,
    pub shop_name: u8,
}

pub const WORD_WEIGHTS: WordWeights =
    WordWeights { title: 4, brand: 3, tags: 2, category_names: 1, attributes: 1, subtitle: 1, shop_name: 1 };

/// Fixed-point scale of the `boost` column.
pub const BOOST_SCALE: f64 = 10_000.0;

#[derive(Clone, Copy)]
pub struct Fields {
    pub id: Field,
    pub title: Field,
    /// Title, brand, tags, category names, attributes, subtitle and shop name, weighted
    /// ([`WORD_WEIGHTS`]): what a query word is looked for in.
    pub words: Field,
    pub brand: Field,
    /// The brand, trimmed and lowercased, untokenized: the brand filter and the brand facet.
    pub brand_key: Field,
    pub tag_keys: Field,
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

/// A text field analysed by `tokenizer`, with term frequencies (for BM25) but no positions: no
/// query matches phrases, and positions would cost index size and build time.
fn text(tokenizer: &str, stored: bool) -> TextOptions {
    let options = TextOptions::default().set_indexing_options(
        TextFieldIndexing::default().set_tokenizer(tokenizer).set_index_option(IndexRecordOption::WithFreqs),
    );
    if stored { options.set_stored() } else { options }
}

pub fn build() -> (Schema, Fields) {
    let mut schema = Schema::builder();
    let fields = Fields {
        id: schema.add_u64_field("id", INDEXED | STORED | FAST),
        title: schema.add_text_field("title", text(ZH, true)),
        words: schema.add_text_field("words", text(ZH_WEIGHTED, false)),
        brand: schema.add_text_field("brand", text(ZH, true)),
        brand_key: schema.add_text_field("brand_key", STRING | FAST),
        tag_keys: schema.add_text_field("tag_keys", STRING),
        category: schema.add_facet_field("category", FacetOptions::default()),
        category_id: schema.add_u64_field("category_id", FAST),
        shop_id: schema.add_u64_field("shop_id", INDEXED | STORED | FAST),
        shop_name: schema.add_text_field("shop_name", STORED),
        pinyin: schema.add_text_field("pinyin", text(PINYIN, false)),
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
