//! Trades at the providers, their notifications, pay-for-another, in-store payments.

pub mod in_store;
pub mod trades;
