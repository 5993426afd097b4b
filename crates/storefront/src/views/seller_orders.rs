//! The console's order pages: a shop's orders by state (waiting to ship first) with a shipping
//! form on each paid one, and its refund requests with approve and reject on each open one.

use super::orders::address_line;
use super::{Chrome, status_label, yuan};
use askama::Template;
use bazaar_checkout::{OrderDetail, OrderStatus, RefundRequest, RefundState};

pub struct ShopOrderRow {
    pub id: i64,
    pub status: &'static str,
    pub status_code: String,
    /// Each line: title, its options, and how many.
    pub lines: Vec<String>,
    pub total: String,
    pub address: String,
    pub placed_at: String,
    pub can_ship: bool,
    pub tracking: Option<String>,
}

#[derive(Template)]
#[template(path = "seller_orders.html")]
pub struct SellerOrdersPage {
    pub chrome: Chrome,
    pub shop_id: i64,
    pub shop_name: String,
    /// (href, label, chosen)
    pub tabs: Vec<(String, &'static str, bool)>,
    pub orders: Vec<ShopOrderRow>,
    /// The order a refused shipment was for, and why.
    pub error: Option<(i64, String)>,
}

impl SellerOrdersPage {
    /// `status` is the chosen filter (`None`: every state).
    pub fn new(
        chrome: Chrome,
        shop_id: i64,
        shop_name: String,
        orders: &[OrderDetail],
        status: Option<OrderStatus>,
    ) -> SellerOrdersPage {
        let t = chrome.t;
        let base = format!("/seller/shops/{shop_id}/orders");
        let tabs = [
            (Some(OrderStatus::Paid), t.to_ship),
            (Some(OrderStatus::Shipped), t.status_shipped),
            (Some(OrderStatus::PendingPayment), t.status_pending_payment),
            (None, t.tab_all),
        ]
        .into_iter()
        .map(|(tab, label)| {
            let href = match tab {
                Some(tab) => format!("{base}?status={}", tab.as_str()),
                None => format!("{base}?status=all"),
            };
            (href, label, tab == status)
        })
        .collect();
        let orders = orders
            .iter()
            .map(|detail| {
                let order = &detail.order;
                ShopOrderRow {
                    id: order.id.0,
                    status: status_label(t, &order.status),
                    status_code: order.status.clone(),
                    lines: order
                        .items
                        .iter()
                        .map(|item| {
                            let specs = item.specs.values().cloned().collect::<Vec<_>>().join(" / ");
                            format!("{} {specs} × {}", item.title, item.quantity)
                        })
                        .collect(),
                    total: yuan(order.total),
                    address: address_line(order),
                    placed_at: super::china_time(order.created_at),
                    can_ship: OrderStatus::parse(&order.status) == Some(OrderStatus::Paid),
                    tracking: detail
                        .tracking_number
                        .as_ref()
                        .map(|number| format!("{} {number}", detail.carrier.clone().unwrap_or_default())),
                }
            })
            .collect();
        SellerOrdersPage { chrome, shop_id, shop_name, tabs, orders, error: None }
    }

    pub fn error_for(&self, order: &i64) -> Option<&str> {
        super::message_at(&self.error, order)
    }
}

pub struct RefundRow {
    pub id: i64,
    pub order_id: i64,
    pub reason: String,
    pub amount: String,
    pub status: &'static str,
    pub open: bool,
    pub decision: Option<String>,
}

#[derive(Template)]
#[template(path = "seller_refunds.html")]
pub struct SellerRefundsPage {
    pub chrome: Chrome,
    pub shop_id: i64,
    pub shop_name: String,
    pub requests: Vec<RefundRow>,
    pub error: Option<(i64, String)>,
}

impl SellerRefundsPage {
    pub fn new(chrome: Chrome, shop_id: i64, shop_name: String, requests: &[RefundRequest]) -> SellerRefundsPage {
        let t = chrome.t;
        let requests = requests
            .iter()
            .map(|request| RefundRow {
                id: request.id.0,
                order_id: request.order_id.0,
                reason: request.reason.clone(),
                amount: yuan(request.amount),
                status: match request.state() {
                    Some(RefundState::Requested) | None => t.refund_requested,
                    Some(RefundState::Approved) => t.refund_approved,
                    Some(RefundState::Rejected) => t.refund_rejected,
                    Some(RefundState::Refunded) => t.status_refunded,
                },
                open: request.is_open(),
                decision: request.decision_reason.clone(),
            })
            .collect();
        SellerRefundsPage { chrome, shop_id, shop_name, requests, error: None }
    }

    pub fn error_for(&self, request: &i64) -> Option<&str> {
        super::message_at(&self.error, request)
    }
}
