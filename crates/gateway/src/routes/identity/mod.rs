//! Accounts, sessions, addresses, opening a shop and its review.

pub mod addresses;
pub mod auth;
pub mod me;
pub mod onboarding;
pub mod review;
