//! Mobile payments for Bazaar. One [`PaymentProvider`] interface with adapters that speak Alipay's
//! open API v2, WeChat Pay API v3 and UnionPay ACP on the wire, so the sandboxes and the real
//! services differ only by configuration. On top: trades for checkouts, verified and idempotent
//! notifications (all stored), refunds (automatic ones for money that arrives too late),
//! reconciliation by active query, pay-for-another and face-to-face in-store payments.
//!
//! This crate is an HTTP *client* of the providers; it serves nothing (the gateway does).

mod after_sales;
pub mod alipay;
mod audit;
mod config;
pub mod crypto;
mod error;
mod in_store;
pub mod keys;
pub mod provider;
mod reconcile;
mod service;
mod share;
mod store;
pub mod unionpay;
pub mod wechat;

pub use after_sales::RefundView;
pub use config::PaymentsConfig;
pub use error::PaymentError;
pub use in_store::{InStoreRequest, InStoreView};
pub use provider::{PaymentProvider, ProviderKind};
pub use reconcile::ReconcileReport;
pub use service::{PaymentSettings, PaymentView, Payments};
pub use share::{ShareView, SharedCheckout};
pub use store::StoredNotification;

/// The HTTP client adapters (and the sandbox's notifier) use: bounded waits, so a provider that
/// hangs fails the call instead of holding a request forever.
pub fn http_client() -> reqwest::Client {
    reqwest::Client::builder()
        .connect_timeout(std::time::Duration::from_secs(5))
        .timeout(std::time::Duration::from_secs(15))
        .build()
        .unwrap_or_default()
}
