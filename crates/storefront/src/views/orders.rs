//! Checkout (address, per-shop totals, provider), the buyer's orders and one order with its
//! history and the actions its state allows.

use super::{Chrome, yuan};
use crate::Messages;
use askama::Template;
use bazaar_checkout::{OrderDetail, OrderStatus, OrderTab, OrderView, Preview};
use bazaar_identity::{AddressInput, AddressView};

/// The payment providers a page offers, as `(value sent, label)`.
pub fn providers(t: &'static Messages, available: &[String]) -> Vec<(String, &'static str)> {
    available
        .iter()
        .map(|name| {
            let label = match name.as_str() {
                "alipay" => t.alipay,
                "wechatpay" => t.wechatpay,
                "unionpay" => t.unionpay,
                _ => t.pay_with,
            };
            (name.clone(), label)
        })
        .collect()
}

/// How a stored order status reads to a shopper (checkout's enum names the states).
pub fn status_label(t: &'static Messages, status: &str) -> &'static str {
    match OrderStatus::parse(status) {
        Some(OrderStatus::PendingPayment) => t.status_pending_payment,
        Some(OrderStatus::Paid) => t.status_paid,
        Some(OrderStatus::Shipped) => t.status_shipped,
        Some(OrderStatus::Received) => t.status_received,
        Some(OrderStatus::Completed) => t.status_completed,
        Some(OrderStatus::Refunded) => t.status_refunded,
        Some(OrderStatus::Cancelled) | None => t.status_cancelled,
    }
}

pub struct AddressChoice {
    pub id: i64,
    pub label: String,
    pub chosen: bool,
}

impl AddressChoice {
    /// The shopper's addresses to pick from, the default (else the first) chosen.
    pub fn list(addresses: &[AddressView]) -> Vec<AddressChoice> {
        let default = addresses.iter().find(|address| address.is_default).or(addresses.first()).map(|a| a.id);
        addresses
            .iter()
            .map(|address| AddressChoice {
                id: address.id.0,
                label: super::addresses::address_label(address),
                chosen: Some(address.id) == default,
            })
            .collect()
    }
}

pub struct ShopTotal {
    pub lines: Vec<(String, i32, String)>,
    pub subtotal: String,
    pub shipping_fee: String,
    pub discounts: Vec<(String, String)>,
    pub total: String,
}

#[derive(Template)]
#[template(path = "checkout.html")]
pub struct CheckoutPage {
    pub chrome: Chrome,
    pub addresses: Vec<AddressChoice>,
    pub shops: Vec<ShopTotal>,
    pub total: String,
    pub providers: Vec<(String, &'static str)>,
    /// Sent back with the order so a double tap places it once.
    pub idempotency_key: String,
    /// What the new-address form was sent with, kept when a field is refused.
    pub draft: AddressInput,
    /// The field at fault and its message (`address_id` for the order form, `points`).
    pub error: Option<(String, String)>,
    /// The shopper's points, and how many this page's prices pay with.
    pub points_balance: i64,
    pub points_used: i64,
}

impl CheckoutPage {
    pub fn new(
        chrome: Chrome,
        addresses: &[AddressView],
        preview: &Preview,
        providers: Vec<(String, &'static str)>,
        idempotency_key: String,
    ) -> CheckoutPage {
        let addresses = AddressChoice::list(addresses);
        let shops = preview
            .shops
            .iter()
            .map(|shop| ShopTotal {
                lines: shop
                    .lines
                    .iter()
                    .map(|line| (line.title.clone(), line.quantity, yuan(line.unit_price)))
                    .collect(),
                subtotal: yuan(shop.subtotal),
                shipping_fee: yuan(shop.shipping_fee),
                discounts: shop
                    .adjustments
                    .iter()
                    .map(|adjustment| (adjustment.label.clone(), yuan(adjustment.amount)))
                    .collect(),
                total: yuan(shop.total),
            })
            .collect();
        CheckoutPage {
            chrome,
            addresses,
            shops,
            total: yuan(preview.total),
            providers,
            idempotency_key,
            draft: AddressInput::default(),
            error: None,
            points_balance: 0,
            points_used: 0,
        }
    }

    pub fn error_for(&self, field: &str) -> Option<&str> {
        super::message_at(&self.error, field)
    }

    /// The new-address form's fields.
    pub fn address_fields(&self) -> Vec<(&'static str, &'static str, &str, &'static str)> {
        super::addresses::address_fields(self.chrome.t, &self.draft)
    }
}

pub struct OrderRow {
    pub href: String,
    pub id: i64,
    pub status: &'static str,
    pub titles: String,
    pub total: String,
}

impl OrderRow {
    fn new(t: &'static Messages, order: &OrderView) -> OrderRow {
        OrderRow {
            href: format!("/m/orders/{}", order.id),
            id: order.id.0,
            status: status_label(t, &order.status),
            titles: order.items.iter().map(|item| item.title.as_str()).collect::<Vec<_>>().join("、"),
            total: yuan(order.total),
        }
    }
}

#[derive(Template)]
#[template(path = "orders.html")]
pub struct OrdersPage {
    pub chrome: Chrome,
    pub tabs: Vec<(String, &'static str, bool)>,
    pub orders: Vec<OrderRow>,
}

impl OrdersPage {
    /// `tab` is the chosen tab's value (`""` for all).
    pub fn new(chrome: Chrome, orders: &[OrderView], tab: &str) -> OrdersPage {
        let t = chrome.t;
        let tabs = [
            (None, t.tab_all),
            (Some(OrderTab::PendingPayment), t.status_pending_payment),
            (Some(OrderTab::ToShip), t.status_paid),
            (Some(OrderTab::Shipped), t.status_shipped),
            (Some(OrderTab::ToReview), t.status_received),
        ]
        .into_iter()
        .map(|(value, label)| {
            let value = value.map(OrderTab::as_str).unwrap_or_default();
            let href = if value.is_empty() { "/m/orders".to_string() } else { format!("/m/orders?tab={value}") };
            (href, label, value == tab)
        })
        .collect();
        OrdersPage { orders: orders.iter().map(|order| OrderRow::new(t, order)).collect(), tabs, chrome }
    }
}

#[derive(Template)]
#[template(path = "order.html")]
pub struct OrderPage {
    pub chrome: Chrome,
    pub id: i64,
    pub status_code: String,
    pub status: &'static str,
    pub items: Vec<(String, String, i32, String)>,
    pub total: String,
    pub address: String,
    pub tracking: Option<String>,
    pub events: Vec<(String, &'static str, String)>,
    pub providers: Vec<(String, &'static str)>,
    pub error: Option<String>,
    /// What the order's state allows the buyer.
    pub can_pay: bool,
    pub can_receive: bool,
    pub can_refund: bool,
}

/// Where an order goes, on one line: recipient, phone, then the address from province down.
pub fn address_line(order: &OrderView) -> String {
    let text = |key: &str| order.address.get(key).and_then(|value| value.as_str()).unwrap_or_default().to_string();
    format!(
        "{} {} · {}{}{}{}",
        text("recipient"),
        text("phone"),
        text("province"),
        text("city"),
        text("district"),
        text("detail")
    )
}

impl OrderPage {
    pub fn new(chrome: Chrome, detail: &OrderDetail, providers: Vec<(String, &'static str)>) -> OrderPage {
        let t = chrome.t;
        let order = &detail.order;
        let address = address_line(order);
        let state = OrderStatus::parse(&order.status);
        OrderPage {
            can_pay: state == Some(OrderStatus::PendingPayment),
            can_receive: state == Some(OrderStatus::Shipped),
            can_refund: matches!(state, Some(OrderStatus::Paid | OrderStatus::Shipped | OrderStatus::Received)),
            id: order.id.0,
            status_code: order.status.clone(),
            status: status_label(t, &order.status),
            items: order
                .items
                .iter()
                .map(|item| {
                    let specs = item.specs.values().cloned().collect::<Vec<_>>().join(" / ");
                    (item.title.clone(), specs, item.quantity, yuan(item.unit_price))
                })
                .collect(),
            total: yuan(order.total),
            address,
            tracking: detail
                .tracking_number
                .as_ref()
                .map(|number| format!("{} {number}", detail.carrier.clone().unwrap_or_default())),
            events: detail
                .events
                .iter()
                .map(|event| {
                    let at = super::china_time(event.at.and_utc());
                    (at, status_label(t, &event.to_status), event.reason.clone().unwrap_or_default())
                })
                .collect(),
            providers,
            error: None,
            chrome,
        }
    }
}
