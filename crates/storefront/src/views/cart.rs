//! The cart, grouped by shop, with the flags the cart service gives each line.

use super::{Chrome, yuan};
use askama::Template;
use bazaar_checkout::CartView;

pub struct CartLineView {
    pub title: String,
    pub specs: String,
    pub image: Option<String>,
    pub product_href: String,
    pub quantity: i32,
    pub unit_price: String,
    pub line_total: String,
    pub price_changed: bool,
    pub stock_short: bool,
    pub unavailable: bool,
    pub update_action: String,
    pub remove_action: String,
}

pub struct CartShopView {
    pub name: String,
    pub href: String,
    pub lines: Vec<CartLineView>,
    pub subtotal: String,
}

#[derive(Template)]
#[template(path = "cart.html")]
pub struct CartPage {
    pub chrome: Chrome,
    pub shops: Vec<CartShopView>,
    pub total: String,
    pub total_quantity: i64,
    pub error: Option<String>,
}

impl CartPage {
    pub fn new(chrome: Chrome, cart: &CartView) -> CartPage {
        let shops = cart
            .shops
            .iter()
            .map(|shop| CartShopView {
                name: shop.shop_name.clone(),
                href: format!("/m/shops/{}", shop.shop_id),
                subtotal: yuan(shop.subtotal),
                lines: shop
                    .lines
                    .iter()
                    .map(|line| CartLineView {
                        title: line.title.clone(),
                        specs: line.specs.values().cloned().collect::<Vec<_>>().join(" / "),
                        image: line.image.clone(),
                        product_href: format!("/m/products/{}", line.product_id),
                        quantity: line.quantity,
                        unit_price: yuan(line.unit_price),
                        line_total: yuan(line.line_total),
                        price_changed: line.price_changed,
                        stock_short: line.stock_short,
                        unavailable: line.unavailable,
                        update_action: format!("/m/cart/items/{}", line.id),
                        remove_action: format!("/m/cart/items/{}/remove", line.id),
                    })
                    .collect(),
            })
            .collect();
        CartPage { chrome, shops, total: yuan(cart.total), total_quantity: cart.total_quantity, error: None }
    }
}
