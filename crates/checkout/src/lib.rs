//! Checkout: the buyer's cart (grouped by shop, live prices and stock, flags for what changed).
//! Orders, stock reservation and the order state machine come with the checkout issue.

mod cart;

pub use cart::{Cart, CartError, CartLine, CartShop, CartView, MAX_LINES, MAX_QUANTITY};
