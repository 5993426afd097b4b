//! Flash sales (限时秒杀) on the home page and each sale's own page: the flash price against the
//! list price, what is left, and a countdown to the start or the end (the script ticks it; the
//! server's text is right when the page is made). Buying is one form: the quantity within the
//! sale's limit, the address, the provider.

use super::orders::AddressChoice;
use super::{Chrome, yuan};
use crate::Messages;
use askama::Template;
use bazaar_identity::AddressView;
use bazaar_promotions::{FlashSaleView, FlashState};

pub struct FlashCard {
    pub id: i64,
    pub href: String,
    pub title: String,
    pub flash_price: String,
    pub list_price: String,
    pub remaining: i64,
    pub quantity: i64,
    /// `live`, `upcoming`, `sold_out` or `ended`.
    pub state: &'static str,
    pub state_label: &'static str,
    /// Seconds to what the countdown counts to (the start when upcoming, the end when live).
    pub countdown: i64,
    /// "Ends in" / "Starts in", empty when nothing counts down.
    pub countdown_label: &'static str,
    pub countdown_clock: String,
}

/// `HH:MM:SS` (days folded into hours).
fn clock(seconds: i64) -> String {
    let seconds = seconds.max(0);
    format!("{:02}:{:02}:{:02}", seconds / 3600, seconds / 60 % 60, seconds % 60)
}

impl FlashCard {
    pub fn new(t: &'static Messages, sale: &FlashSaleView) -> FlashCard {
        let (state, state_label, countdown) = match sale.state {
            FlashState::Live => ("live", t.flash_live, sale.ends_in_seconds),
            FlashState::Upcoming => ("upcoming", t.flash_upcoming, sale.starts_in_seconds),
            FlashState::SoldOut => ("sold_out", t.flash_sold_out, 0),
            FlashState::Ended => ("ended", t.flash_ended, 0),
        };
        let countdown_label = match sale.state {
            FlashState::Live => t.flash_ends_in,
            FlashState::Upcoming => t.flash_starts_in,
            FlashState::SoldOut | FlashState::Ended => "",
        };
        FlashCard {
            id: sale.id.0,
            href: format!("/m/flash-sales/{}", sale.id.0),
            title: sale.title.clone(),
            flash_price: yuan(sale.flash_price),
            list_price: yuan(sale.list_price),
            remaining: sale.remaining,
            quantity: sale.quantity,
            state,
            state_label,
            countdown,
            countdown_label,
            countdown_clock: clock(countdown),
        }
    }
}

#[derive(Template)]
#[template(path = "flash_sale.html")]
pub struct FlashSalePage {
    pub chrome: Chrome,
    pub sale: FlashCard,
    pub product_href: String,
    pub per_user_limit: i64,
    pub addresses: Vec<AddressChoice>,
    pub providers: Vec<(String, &'static str)>,
    /// Sent back with the order so a double tap (or a retry after a cut connection) buys once.
    pub idempotency_key: String,
    pub error: Option<String>,
}

impl FlashSalePage {
    pub fn new(
        chrome: Chrome,
        sale: &FlashSaleView,
        addresses: &[AddressView],
        providers: Vec<(String, &'static str)>,
        idempotency_key: String,
    ) -> FlashSalePage {
        FlashSalePage {
            sale: FlashCard::new(chrome.t, sale),
            product_href: format!("/m/products/{}", sale.product_id.0),
            per_user_limit: sale.per_user_limit.max(1),
            addresses: AddressChoice::list(addresses),
            providers,
            idempotency_key,
            error: None,
            chrome,
        }
    }

    pub fn can_buy(&self) -> bool {
        self.sale.state == "live"
    }
}
