//! Products, shop pages, a shop's listings and stock, the catalogue's administration.

pub mod admin;
pub mod listings;
pub mod products;
pub mod shop_pages;
