//! Identity: shoppers, sellers and admins. Phone numbers are the identity; SMS codes are the usual
//! login, passwords optional. Short-lived access tokens, rotating refresh tokens with theft
//! detection, device sessions, shipping addresses, and seller onboarding with admin review.
//!
//! Knows nothing of HTTP: the gateway turns requests into calls on [`Identity`] and maps
//! [`IdentityError`] to problem+json.

mod addresses;
mod config;
mod demo;
mod error;
mod onboarding;
mod otp;
pub mod password;
pub mod phone;
mod revocation;
mod service;
mod sessions;
mod shops;
pub mod tokens;
mod users;

pub use addresses::{AddressInput, AddressPatch, AddressView, MAX_ADDRESSES, address_line, address_of};
pub use config::IdentityConfig;
pub use demo::{DemoShop, open_demo_shop};
pub use error::IdentityError;
pub use otp::{OtpPurpose, OtpSent, OtpSettings};
pub use phone::Phone;
pub use revocation::session_state_key;
pub use service::{AuthOutcome, Device, Identity, IdentitySettings, Principal, TokenPair};
pub use sessions::SessionView;
pub use shops::{
    ApplicationInput, ApplicationStatus, ApplicationView, MemberShop, ShopRole, ShopStatus, ShopView, StaffView,
    set_shop_status, shop_members, shop_name, shop_role, shop_status, shops_of_member,
};
pub use users::{ProfilePatch, UserView, masked_phone, nickname_of, public_profiles, user_id_by_phone};

use serde::{Deserialize, Serialize};

/// What a user may do across the marketplace. Everyone is a buyer; members of a shop are sellers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, PartialOrd, Ord)]
#[serde(rename_all = "lowercase")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum Role {
    Buyer,
    Seller,
    Admin,
}
