//! Checkout: the buyer's cart (grouped by shop, live prices and stock, flags for what changed).
//! Orders, stock reservation and the order state machine come with the checkout issue.

mod cart;
mod lifecycle;
mod orders;
mod preview;
mod refunds;
mod service;

pub use cart::{Cart, CartLine, CartShop, CartView, CheckoutError, MAX_LINES, MAX_QUANTITY};
mod in_store;
pub use in_store::create_in_store_order;
pub use lifecycle::{OrderEvent, mark_paid, record_payment};
pub use orders::{Adjustment, CheckoutResult, OrderItemView, OrderLine, OrderView, PlaceOrder};
pub use preview::{Preview, PreviewRequest};
pub use refunds::{RefundRequest, mark_refunded};
pub use service::{OrderDetail, Orders};
