//! The pages a shared link or a counter QR code opens: a friend paying for someone's orders, and
//! a buyer paying a shop's counter request. Built from plain values so this crate needs nothing
//! of payments.

use super::Chrome;
use askama::Template;

/// A friend's view of what they are asked to pay for.
#[derive(Template)]
#[template(path = "pay_for_another.html")]
pub struct PayForAnotherPage {
    pub chrome: Chrome,
    pub code: String,
    pub requested_by: String,
    /// (title, quantity, unit price)
    pub items: Vec<(String, i32, String)>,
    pub amount: String,
    pub expires_at: String,
    pub providers: Vec<(String, &'static str)>,
    pub error: Option<String>,
}

/// A shop's counter request, as the buyer's phone shows it after scanning.
#[derive(Template)]
#[template(path = "in_store.html")]
pub struct InStorePage {
    pub chrome: Chrome,
    pub code: String,
    pub shop_name: String,
    pub shop_href: String,
    pub amount: String,
    pub note: String,
    pub expires_at: String,
    /// The order once someone started paying it (the page then links it for its buyer).
    pub order_href: Option<String>,
    pub providers: Vec<(String, &'static str)>,
    pub error: Option<String>,
}

/// A moment as a shopper in China reads it.
pub fn china_time(at: chrono::DateTime<chrono::Utc>) -> String {
    (at + chrono::Duration::hours(8)).format("%Y-%m-%d %H:%M").to_string()
}

/// Where a provider's page sends a payer back who is not the orders' owner (a friend paying for
/// another): how the payment stands, and a way on.
#[derive(askama::Template)]
#[template(path = "payment_result.html")]
pub struct PaymentResultPage {
    pub chrome: super::Chrome,
    pub amount: String,
    /// `paid`, `pending` or `ended`: what the page says, and what a test looks for.
    pub outcome: &'static str,
    /// This page again, to look once more while the notification is on its way.
    pub here: String,
}
