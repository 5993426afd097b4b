//! Promotions: coupon templates shops offer, the coupons buyers claim into their wallets, and the
//! discounts checkout applies. Checkout's quote — the one place a checkout's money is computed —
//! asks [`choose`] which coupon each shop order takes; placing, paying, cancelling and refunding
//! tell [`lock`], [`spend`], [`release`] and [`refund`], inside checkout's own transactions, so a
//! coupon moves exactly when its order does.

mod apply;
mod claims;
mod error;
mod service;
mod templates;

pub use apply::{CouponChoice, Discount, Funder, PricedLine, allocate, choose, lock, refund, release, spend, unusable};
pub use claims::{CouponStatus, WalletCoupon, WalletFilter};
pub use error::PromotionError;
pub use service::Promotions;
pub use templates::{CouponKind, CouponScope, TemplateInput, TemplatePatch, TemplateStatus, TemplateView, Visibility};
