//! Checkout: the buyer's cart (grouped by shop, live prices and stock, flags for what changed),
//! placing orders with their stock reserved, the order state machine, and refunds.

mod alongside;
mod cart;
mod config;
mod discounts;
mod error;
mod hoarding;
mod lifecycle;
mod orders;
mod payable;
mod preview;
mod pricing;
mod prize_orders;
mod refund_split;
mod refunds;
mod sales;
mod service;
mod status;
mod summary;

pub use alongside::{Alongside, AlongsideFailed};
pub use cart::{Cart, CartLine, CartShop, CartView, MAX_LINES, MAX_QUANTITY};
pub use config::CheckoutConfig;
pub use error::CheckoutError;
mod in_store;
pub use discounts::LineDiscount;
pub use in_store::{create_in_store_order, require_shop_selling};
pub use lifecycle::{OrderEvent, mark_paid, record_payment, ship_order};
pub use orders::{Adjustment, BuyNow, CheckoutResult, OrderItemView, OrderLine, OrderView, PlaceOrder};
pub use payable::{
    PayableLine, PayableOrder, checkout_buyer, order_buyer_and_checkout, payable_lines, payable_orders, still_payable,
};
pub use preview::{Preview, PreviewRequest};
pub use prize_orders::{Prize, create_prize_order};
pub use refunds::{RefundLine, RefundRequest, RefundState, mark_refunded};
pub use sales::DaySales;
pub use service::{OrderDetail, Orders};
pub use status::{ORDER_STATUSES, OrderStatus};
pub use summary::{OrderSummary, PaidOrder, order_states, order_summary, paid_orders};

/// The tabs of a buyer's order list, as shopping apps show them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum OrderTab {
    /// 待付款: placed, not paid.
    PendingPayment,
    /// 待发货: paid, not shipped.
    ToShip,
    /// 待收货: shipped, not received.
    Shipped,
    /// 待评价: received or completed (reviews come with the feedback work).
    ToReview,
    /// 退款/售后: refunded.
    Refunded,
    /// Cancelled or timed out.
    Cancelled,
}

impl OrderTab {
    /// The tab as a query value (`?tab=`), as it is deserialized.
    pub fn as_str(self) -> &'static str {
        match self {
            OrderTab::PendingPayment => "pending_payment",
            OrderTab::ToShip => "to_ship",
            OrderTab::Shipped => "shipped",
            OrderTab::ToReview => "to_review",
            OrderTab::Refunded => "refunded",
            OrderTab::Cancelled => "cancelled",
        }
    }

    pub fn statuses(self) -> &'static [&'static str] {
        match self {
            OrderTab::PendingPayment => &["pending_payment"],
            OrderTab::ToShip => &["paid"],
            OrderTab::Shipped => &["shipped"],
            OrderTab::ToReview => &["received", "completed"],
            OrderTab::Refunded => &["refunded"],
            OrderTab::Cancelled => &["cancelled"],
        }
    }
}

/// Checkout's settings: the money ceilings its quotes enforce and the caps on what one buyer may
/// hold unpaid.
#[derive(Debug, Clone, Copy)]
pub struct CheckoutSettings {
    pub money: bazaar_core::MoneyLimits,
    /// Orders waiting for payment one buyer may have at once.
    pub max_unpaid_orders_per_buyer: i64,
    /// Units those orders may hold reserved, in all.
    pub max_reserved_units_per_buyer: i64,
    /// What points are worth at checkout and earned on completed orders.
    pub points: bazaar_promotions::PointsRules,
}

impl Default for CheckoutSettings {
    fn default() -> Self {
        CheckoutSettings {
            money: bazaar_core::MoneyLimits::default(),
            max_unpaid_orders_per_buyer: 10,
            max_reserved_units_per_buyer: 200,
            points: bazaar_promotions::PointsRules::default(),
        }
    }
}
