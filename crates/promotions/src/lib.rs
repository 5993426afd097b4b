//! Promotions: coupon templates shops offer, the coupons buyers claim into their wallets, and the
//! discounts checkout applies. Checkout's quote — the one place a checkout's money is computed —
//! asks [`checkout_discounts`] what each shop order takes (automatic promotions, then shop coupons, by
//! the stacking rules, then one platform coupon split across the orders), and [`timed_prices`] for limited-time prices; placing, paying, cancelling and refunding
//! tell [`lock`], [`spend`], [`release`] and [`refund`], inside checkout's own transactions, so a
//! coupon moves exactly when its order does. Points ([`spend_points`], [`return_points`],
//! [`earn_points`]) move the same way, and the daily check-in earns them. Flash sales ([`reserve`],
//! [`release_flash`], [`flash_paid`]) take their units in the buy-now order's transaction, behind
//! an optional front gate ([`FlashGate`]).

mod apply;
mod automatic;
mod choice;
mod claims;
mod config;
mod error;
mod flash;
mod flash_service;
mod gate;
mod offers_cache;
mod platform;
mod points;
mod service;
mod stacking;
mod templates;
mod validation;

pub use apply::{
    Discount, DiscountSource, Funder, PricedLine, allocate, lock, refund, release, spend, unusable, wallet_for_cart,
};
pub use automatic::{
    ProductPromotions, PromotionInput, PromotionKind, PromotionState, PromotionView, Tier, TimedPrice, timed_prices,
};
pub use choice::{CouponChoice, Offers};
pub use claims::{CouponStatus, Issued, WalletCoupon, WalletFilter, coupon_issuer, issue_coupon, record_customer};
pub use config::{FlashSettings, PromotionsConfig};
pub use error::PromotionError;
pub use flash::{
    FlashSaleInput, FlashSaleReport, FlashSaleView, FlashState, FlashTerms, Organizer, flash_paid, release_flash,
    reserve, terms_of,
};
pub use gate::{Admission, FlashGate};
pub use offers_cache::ProductOffers;
pub use platform::{ShopOrder, checkout_discounts};
pub use points::{
    CheckIn, PointsEntry, PointsRules, PointsView, award_prize_points, earn_points, ensure_balance, points_spent_on,
    return_points, return_refunded_points, spend_points, spend_points_for_chance,
};
pub use service::{Promotions, platform_templates, shop_promotions, shop_templates};
pub use templates::{CouponKind, CouponScope, TemplateInput, TemplatePatch, TemplateStatus, TemplateView, Visibility};
