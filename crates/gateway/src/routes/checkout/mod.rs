//! The cart, orders and their lifecycle, a shop's order inbox and refunds.

pub mod cart;
pub mod orders;
pub mod seller_orders;
