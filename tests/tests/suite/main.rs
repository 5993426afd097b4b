//! The black-box suite, one test binary: every module boots real gateways (SQLite + in-process kv,
//! and PostgreSQL + Redis when `BAZAAR_TEST_POSTGRES_URL` / `BAZAAR_TEST_REDIS_URL` are set) and
//! drives them over HTTP and WebSocket like a phone. One binary links tantivy, diesel, aws-lc-rs and
//! actix once instead of once per file.

mod campaigns;
mod cart;
mod catalog_browse;
mod catalog_import;
mod catalog_listing;
mod chat;
mod chat_tools;
mod contract;
mod draws;
mod flash_sales;
mod foundation;
mod h5;
mod h5_admin;
mod h5_browser;
mod h5_campaigns;
mod h5_chat;
mod h5_flash;
mod h5_offers;
mod h5_orders;
mod h5_prizes;
mod h5_profile;
mod h5_seller;
mod h5_seller_edit;
mod h5_seller_orders;
mod h5_seller_shop;
mod hardening;
mod identity_access;
mod identity_auth;
mod identity_otp;
mod identity_profile;
mod issued_coupons;
mod line_refunds;
mod order_lifecycle;
mod orders;
mod ownership;
mod payment_lifecycle;
mod payment_retries;
mod payment_scale_out;
mod payment_security;
mod payment_sharing;
mod payments;
mod platform_coupons;
mod platform_draws;
mod points;
mod prize_pickup;
mod promotions;
mod resilience;
mod route_parity;
mod scale_out;
mod search;
mod search_relevance;
mod shop_promotions;
mod sms_gateway;
