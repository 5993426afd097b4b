//! The catalog of the mobile business district: the category tree, shop pages and follows,
//! products with Taobao-style SKUs, the inventory ledger, and browsing for buyers.
//!
//! Every change to a product, SKU or shop appends an outbox event in the same transaction, for the
//! search indexer and caches. Knows nothing of HTTP.

mod browse;
pub mod cache;
mod categories;
mod config;
pub mod demo;
mod error;
mod facts;
mod import;
pub mod index_feed;
mod inventory;
mod product_input;
mod products;
mod seller_list;
mod service;
mod shops;
pub mod specs;
mod text;
mod visitors;

pub use browse::{ListQuery, ProductCard, ProductDetail, Sort};
pub use categories::{CategoryInput, CategoryNode};
pub use config::CatalogConfig;
pub use error::CatalogError;
pub use facts::{
    ProductFacts, ProductSummary, SkuFacts, SkuOffer, existing_categories, follows, product_facts, product_summary,
    service_hours, shipping_rule, shop_faces, sku_facts, sku_offers, skus_of_product,
};
pub use import::{ImportReport, ImportResult};
pub use inventory::{LedgerEntry, LowStockItem, StockChange, release as release_stock, reserve as reserve_stock};
pub use product_input::{Attribute, ProductInput, ProductPatch, SkuInput};
pub use products::{ProductStatus, ProductText, SellerProduct, SkuView};
pub use seller_list::SellerListing;
pub use service::Catalog;
pub use shops::{ShopPage, ShopPatch};
pub use visitors::DayVisitors;
