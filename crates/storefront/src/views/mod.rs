//! View models: what each page shows, built from what the domain crates return, with every link
//! already made. Templates only lay them out.

mod addresses;
mod admin;
mod campaign_console;
mod campaigns;
mod cart;
mod catalog;
mod chat;
mod dashboard;
mod flash;
mod login;
mod orders;
mod paying;
mod prizes;
mod product;
mod seller;
mod seller_edit;
mod seller_orders;
mod seller_shop;

pub use addresses::AddressesPage;
pub use admin::AdminPage;
pub use campaign_console::{PlacementQr, SellerCampaignPage, SellerCampaignsPage};
pub use campaigns::{DrawPage, LandingPage};
pub use cart::CartPage;
pub use catalog::{CategoryLink, HomePage, ResultsPage, SearchFilters, ShopView};
pub use chat::{ChatPage, ConversationsPage};
pub use dashboard::{ShopDashboard, WeekChart};
pub use flash::{FlashCard, FlashSalePage};
pub use login::{LoginPage, MePage, safe_next};
pub use orders::{CheckoutPage, OrderPage, OrdersPage, providers, status_label};
pub use paying::{InStorePage, PayForAnotherPage, PaymentResultPage, china_time};
pub use prizes::{PrizesPage, fulfilment_label};
pub use product::ProductPage;
pub use seller::{NewProductPage, ProductDraft, SellerProductsPage, ShopProducts, product_status_label};
pub use seller_edit::{EditProductPage, ImportPage};
pub use seller_orders::{SellerOrdersPage, SellerRefundsPage};
pub use seller_shop::{SettingsDraft, ShopSettingsPage, StaffPage, StockPage};

use crate::i18n::{Lang, Messages};
use askama::Template;

/// What every page carries around its content: language, sign-in state, the cart badge, the
/// CSRF token its forms send back, and the asset links.
pub struct Chrome {
    pub lang: Lang,
    pub t: &'static Messages,
    pub css: String,
    pub js: String,
    pub signed_in: bool,
    pub cart_count: i64,
    /// Unread chat messages across the visitor's conversations (the script keeps it live).
    pub chat_unread: i64,
    /// Sent back by every form that changes something, compared with the cookie's.
    pub csrf: String,
    /// This page's path and query, for the language switch and sign-in to come back to.
    pub here: String,
}

impl Chrome {
    pub fn new(lang: Lang, csrf: String, here: String) -> Chrome {
        Chrome {
            lang,
            t: lang.messages(),
            css: crate::assets::css_href(),
            js: crate::assets::js_href(),
            signed_in: false,
            cart_count: 0,
            chat_unread: 0,
            csrf,
            here,
        }
    }

    /// The language switch: the same page in the other language.
    pub fn switch_href(&self) -> String {
        format!("/m/lang/{}?next={}", if self.lang == Lang::Zh { "en" } else { "zh" }, encode(&self.here))
    }

    pub fn sign_in_href(&self) -> String {
        format!("/m/login?next={}", encode(&self.here))
    }
}

/// A refusal's message when it is at `at`: a field's name, or the id of the row (an order, a
/// request, a SKU) its form was for. Every page shows a refused form's reason next to it this way.
pub fn message_at<'a, K, Q>(error: &'a Option<(K, String)>, at: &Q) -> Option<&'a str>
where
    K: PartialEq<Q>,
    Q: ?Sized,
{
    error.as_ref().filter(|(place, _)| place == at).map(|(_, message)| message.as_str())
}

/// A query-string component, percent-encoded.
pub fn encode(value: &str) -> String {
    form_urlencoded::byte_serialize(value.as_bytes()).collect()
}

/// A price as shoppers read it.
pub fn yuan(amount: bazaar_core::Money) -> String {
    format!("¥{amount}")
}

/// A friendly page for a missing thing (404), a refusal (its reason shown) or a moment of trouble
/// (503).
#[derive(Template)]
#[template(path = "error.html")]
pub struct ErrorPage {
    pub chrome: Chrome,
    pub title: &'static str,
    pub text: String,
}

impl ErrorPage {
    pub fn not_found(chrome: Chrome) -> ErrorPage {
        ErrorPage { title: chrome.t.not_found_title, text: chrome.t.not_found_text.to_string(), chrome }
    }

    pub fn unavailable(chrome: Chrome) -> ErrorPage {
        ErrorPage { title: chrome.t.unavailable_title, text: chrome.t.unavailable_text.to_string(), chrome }
    }

    pub fn form_expired(chrome: Chrome) -> ErrorPage {
        ErrorPage { title: chrome.t.form_expired, text: chrome.t.form_expired.to_string(), chrome }
    }

    /// A request the shop or the platform refused, with the reason as the domain gave it.
    pub fn refused(chrome: Chrome, reason: String) -> ErrorPage {
        ErrorPage { title: chrome.t.refused_title, text: reason, chrome }
    }
}
