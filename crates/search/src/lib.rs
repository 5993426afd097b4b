//! Product search: a tantivy index of active products of active shops, with Chinese segmentation
//! (jieba), pinyin (full, initials, every reading of heteronyms), English stemming and typo
//! tolerance, synonyms, filters, facets, sorts, highlighted titles, suggestions, voice (by sound),
//! hot and zero-result queries, and shops nearby. One indexer thread per gateway owns the writer
//! and follows the catalog outbox; each gateway keeps its own index.

mod analysis;
mod config;
mod doc_values;
mod documents;
mod error;
mod facet_counts;
mod index;
mod indexer;
mod nearby;
mod query;
mod schema;
mod searching;
mod service;
mod suggest;
mod synonyms;

pub use config::SearchConfig;
pub use error::SearchError;
pub use indexer::Progress;
pub use nearby::{NearbyQuery, NearbyShop};
pub use searching::{BrandCount, CategoryCount, Facets, Hit, PriceBucket, SearchPage, SortBy};
pub use service::{QueryCount, Search, SearchParams, Suggestion};
