//! The console's shop pages: settings (shipping rule, customer-service hours, chat greeting and
//! away message), staff (add by phone, remove), and a product's stock by SKU with the ledger of
//! every change. A refused form keeps what was typed and says why next to it.

use super::{Chrome, yuan};
use askama::Template;
use bazaar_catalog::{LedgerEntry, SellerProduct, ShopPage};
use bazaar_chat::ChatSettings;
use bazaar_core::Money;
use bazaar_identity::{ShopRole, StaffView};

/// The settings form's values, as stored or as typed.
#[derive(Default, Clone)]
pub struct SettingsDraft {
    pub shipping_fee: String,
    pub free_shipping_from: String,
    pub service_hours: String,
    pub greeting: String,
    pub away_message: String,
}

impl SettingsDraft {
    pub fn of(shop: &ShopPage, chat: &ChatSettings) -> SettingsDraft {
        let amount = |fen: i64| Money::from_minor(fen).to_string();
        SettingsDraft {
            shipping_fee: amount(shop.shipping_fee),
            free_shipping_from: if shop.free_shipping_from > 0 {
                amount(shop.free_shipping_from)
            } else {
                String::new()
            },
            service_hours: shop.service_hours.clone().unwrap_or_default(),
            greeting: chat.greeting.clone().unwrap_or_default(),
            away_message: chat.away_message.clone().unwrap_or_default(),
        }
    }
}

#[derive(Template)]
#[template(path = "seller_settings.html")]
pub struct ShopSettingsPage {
    pub chrome: Chrome,
    pub shop_id: i64,
    pub shop_name: String,
    pub draft: SettingsDraft,
    pub saved: bool,
    /// The field at fault and why.
    pub error: Option<(String, String)>,
}

impl ShopSettingsPage {
    /// (name, label, value, hint) for each field of the form.
    pub fn fields(&self) -> Vec<(&'static str, &'static str, &str, &'static str)> {
        let (t, d) = (self.chrome.t, &self.draft);
        vec![
            ("shipping_fee", t.shipping_fee, d.shipping_fee.as_str(), "decimal"),
            ("free_shipping_from", t.free_shipping_from, d.free_shipping_from.as_str(), "decimal"),
            ("service_hours", t.service_hours, d.service_hours.as_str(), "text"),
            ("greeting", t.greeting, d.greeting.as_str(), "text"),
            ("away_message", t.away_message, d.away_message.as_str(), "text"),
        ]
    }

    pub fn error_for(&self, field: &str) -> Option<&str> {
        super::message_at(&self.error, field)
    }
}

pub struct StaffRow {
    pub user_id: i64,
    pub name: String,
    pub phone: String,
    pub owner: bool,
}

#[derive(Template)]
#[template(path = "seller_staff.html")]
pub struct StaffPage {
    pub chrome: Chrome,
    pub shop_id: i64,
    pub shop_name: String,
    pub members: Vec<StaffRow>,
    pub phone: String,
    pub error: Option<String>,
}

impl StaffPage {
    pub fn new(chrome: Chrome, shop_id: i64, shop_name: String, staff: &[StaffView]) -> StaffPage {
        let members = staff
            .iter()
            .map(|member| StaffRow {
                user_id: member.user_id.0,
                name: member.nickname.clone(),
                phone: member.phone.clone(),
                owner: member.role == ShopRole::Owner,
            })
            .collect();
        StaffPage { chrome, shop_id, shop_name, members, phone: String::new(), error: None }
    }
}

pub struct StockRow {
    pub sku_id: i64,
    pub specs: String,
    pub price: String,
    pub stock: i64,
    /// The newest changes first: (when, change, stock after, why).
    pub ledger: Vec<(String, String, i64, String)>,
}

#[derive(Template)]
#[template(path = "seller_stock.html")]
pub struct StockPage {
    pub chrome: Chrome,
    pub product_id: i64,
    pub title: String,
    pub skus: Vec<StockRow>,
    /// The SKU a refused change was for, and why.
    pub error: Option<(i64, String)>,
}

impl StockPage {
    /// `ledgers` holds each SKU's ledger, in the order of the product's SKUs.
    pub fn new(chrome: Chrome, product: &SellerProduct, ledgers: &[Vec<LedgerEntry>]) -> StockPage {
        let skus = product
            .skus
            .iter()
            .zip(ledgers)
            .map(|(sku, ledger)| StockRow {
                sku_id: sku.id.0,
                specs: sku.specs.values().cloned().collect::<Vec<_>>().join(" / "),
                price: yuan(sku.price),
                stock: sku.stock,
                ledger: ledger
                    .iter()
                    .take(10)
                    .map(|entry| {
                        let why =
                            entry.note.clone().filter(|note| !note.is_empty()).unwrap_or_else(|| entry.reason.clone());
                        (
                            super::china_time(entry.created_at.and_utc()),
                            format!("{:+}", entry.delta),
                            entry.stock_after,
                            why,
                        )
                    })
                    .collect(),
            })
            .collect();
        StockPage { chrome, product_id: product.id.0, title: product.text.title.clone(), skus, error: None }
    }

    pub fn error_for(&self, sku: &i64) -> Option<&str> {
        super::message_at(&self.error, sku)
    }
}
