//! The shopper's addresses (`/m/me/addresses`): the list with the default marked, making one the
//! default or deleting it, and the new-address form the checkout page shares.

use super::Chrome;
use crate::Messages;
use askama::Template;
use bazaar_identity::{AddressInput, AddressView};

/// The new-address form's fields: name, label, what was typed, autocomplete hint.
pub fn address_fields<'a>(
    t: &'static Messages,
    draft: &'a AddressInput,
) -> Vec<(&'static str, &'static str, &'a str, &'static str)> {
    vec![
        ("recipient", t.recipient, draft.recipient.as_str(), "name"),
        ("phone", t.phone, draft.phone.as_str(), "tel"),
        ("province", t.province, draft.province.as_str(), "address-level1"),
        ("city", t.city, draft.city.as_str(), "address-level2"),
        ("district", t.district, draft.district.as_str(), "address-level3"),
        ("detail", t.address_detail, draft.detail.as_str(), "street-address"),
    ]
}

/// An address on one line: recipient, phone, then province down.
pub fn address_label(address: &AddressView) -> String {
    format!(
        "{} {} · {}{}{}{}",
        address.recipient, address.phone, address.province, address.city, address.district, address.detail
    )
}

pub struct AddressRow {
    pub id: i64,
    pub label: String,
    pub is_default: bool,
}

#[derive(Template)]
#[template(path = "addresses.html")]
pub struct AddressesPage {
    pub chrome: Chrome,
    pub addresses: Vec<AddressRow>,
    pub draft: AddressInput,
    pub error: Option<(String, String)>,
}

impl AddressesPage {
    pub fn new(chrome: Chrome, addresses: &[AddressView]) -> AddressesPage {
        let addresses = addresses
            .iter()
            .map(|address| AddressRow {
                id: address.id.0,
                label: address_label(address),
                is_default: address.is_default,
            })
            .collect();
        AddressesPage { chrome, addresses, draft: AddressInput::default(), error: None }
    }

    pub fn address_fields(&self) -> Vec<(&'static str, &'static str, &str, &'static str)> {
        address_fields(self.chrome.t, &self.draft)
    }

    pub fn error_for(&self, field: &str) -> Option<&str> {
        super::message_at(&self.error, field)
    }
}
