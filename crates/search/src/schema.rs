//! The index's fields. Text fields use the `zh` analyzer; `pinyin` holds the pinyin of the title,
//! brand and tags. Numbers are fast fields for sorting, filtering and boosting. Categories are a
//! facet of category ids (`/1/5`), which also makes "this category and its descendants" one term.

use crate::analysis::{PINYIN, ZH};
use tantivy::schema::{
    FAST, FacetOptions, Field, INDEXED, IndexRecordOption, STORED, STRING, Schema, TextFieldIndexing, TextOptions,
};

#[derive(Clone, Copy)]
pub struct Fields {
    pub id: Field,
    pub title: Field,
    pub subtitle: Field,
    pub brand: Field,
    pub brand_facet: Field,
    pub tags: Field,
    pub tag_keys: Field,
    pub attributes: Field,
    pub category_names: Field,
    pub category: Field,
    /// Category path, brand and price bucket together, for counting facets in one pass.
    pub facets: Field,
    pub shop_id: Field,
    pub shop_name: Field,
    pub pinyin: Field,
    pub price: Field,
    pub sales: Field,
    pub rating: Field,
    /// Popularity multiplier for relevance, computed at indexing so a query multiplies one number.
    pub boost: Field,
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
        brand_facet: schema.add_facet_field("brand_facet", FacetOptions::default()),
        tags: schema.add_text_field("tags", text(ZH, false, false)),
        tag_keys: schema.add_text_field("tag_keys", STRING),
        attributes: schema.add_text_field("attributes", text(ZH, false, false)),
        category_names: schema.add_text_field("category_names", text(ZH, false, false)),
        category: schema.add_facet_field("category", FacetOptions::default()),
        facets: schema.add_facet_field("facets", FacetOptions::default()),
        shop_id: schema.add_u64_field("shop_id", INDEXED | STORED | FAST),
        shop_name: schema.add_text_field("shop_name", text(ZH, true, false)),
        pinyin: schema.add_text_field("pinyin", text(PINYIN, false, false)),
        price: schema.add_i64_field("price", INDEXED | STORED | FAST),
        sales: schema.add_i64_field("sales", STORED | FAST),
        rating: schema.add_f64_field("rating", FAST),
        boost: schema.add_f64_field("boost", FAST),
        stock: schema.add_i64_field("stock", INDEXED | STORED | FAST),
        created: schema.add_i64_field("created", FAST),
        image: schema.add_text_field("image", STORED),
    };
    (schema.build(), fields)
}
