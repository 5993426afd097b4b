//! Shipping addresses in Chinese format. At most one default per user; the first is the default,
//! and deleting the default promotes the most recently added one.

use crate::{IdentityError, Phone};
use bazaar_core::FieldChecks;
use bazaar_core::ids::{AddressId, UserId};
use bazaar_db::DbConn;
use bazaar_db::schema::addresses;
use chrono::{NaiveDateTime, Utc};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};

pub const MAX_ADDRESSES: usize = 20;

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AddressInput {
    pub recipient: String,
    pub phone: String,
    pub province: String,
    pub city: String,
    pub district: String,
    pub detail: String,
    pub postal_code: Option<String>,
    #[serde(default)]
    pub is_default: bool,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AddressPatch {
    pub recipient: Option<String>,
    pub phone: Option<String>,
    pub province: Option<String>,
    pub city: Option<String>,
    pub district: Option<String>,
    pub detail: Option<String>,
    pub postal_code: Option<String>,
    pub is_default: Option<bool>,
}

#[derive(Debug, Clone, Serialize, Queryable, Selectable)]
#[diesel(table_name = addresses)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AddressView {
    pub id: AddressId,
    #[serde(skip)]
    pub user_id: UserId,
    pub recipient: String,
    pub phone: String,
    pub province: String,
    pub city: String,
    pub district: String,
    pub detail: String,
    pub postal_code: Option<String>,
    pub is_default: bool,
    #[serde(serialize_with = "bazaar_core::clock::as_utc")]
    pub created_at: NaiveDateTime,
    #[serde(serialize_with = "bazaar_core::clock::as_utc")]
    pub updated_at: NaiveDateTime,
}

fn text(field: &'static str, raw: &str, max: usize) -> Result<String, IdentityError> {
    bazaar_core::user_text(raw, 1, max, false).map_err(|err| IdentityError::invalid(field, err.to_string()))
}

fn postal_code(raw: &str) -> Result<String, IdentityError> {
    let code = raw.trim();
    if code.len() != 6 || !code.bytes().all(|b| b.is_ascii_digit()) {
        return Err(IdentityError::invalid("postal_code", "must be 6 digits"));
    }
    Ok(code.to_string())
}

fn phone(raw: &str) -> Result<String, IdentityError> {
    Phone::parse(raw)
        .map(|phone| phone.as_str().to_string())
        .map_err(|err| IdentityError::invalid("phone", err.to_string()))
}

fn load(conn: &mut DbConn, user_id: UserId, address_id: AddressId) -> Result<AddressView, IdentityError> {
    addresses::table
        .filter(addresses::id.eq(address_id))
        .filter(addresses::user_id.eq(user_id))
        .select(AddressView::as_select())
        .first(conn)
        .optional()?
        .ok_or(IdentityError::not_found("address"))
}

fn clear_default(conn: &mut DbConn, user_id: UserId) -> Result<(), IdentityError> {
    diesel::update(addresses::table.filter(addresses::user_id.eq(user_id)).filter(addresses::is_default.eq(true)))
        .set(addresses::is_default.eq(false))
        .execute(conn)?;
    Ok(())
}

pub(crate) fn list(conn: &mut DbConn, user_id: UserId) -> Result<Vec<AddressView>, IdentityError> {
    Ok(addresses::table
        .filter(addresses::user_id.eq(user_id))
        .order((addresses::is_default.desc(), addresses::id.desc()))
        .select(AddressView::as_select())
        .load(conn)?)
}

pub(crate) fn create(conn: &mut DbConn, user_id: UserId, input: AddressInput) -> Result<AddressView, IdentityError> {
    let now = Utc::now().naive_utc();
    // Every bad field is reported at once, so the address form can mark them all.
    let mut checks = FieldChecks::new();
    let values = (
        addresses::recipient.eq(checks.check(text("recipient", &input.recipient, 50))),
        addresses::phone.eq(checks.check(phone(&input.phone))),
        addresses::province.eq(checks.check(text("province", &input.province, 50))),
        addresses::city.eq(checks.check(text("city", &input.city, 50))),
        addresses::district.eq(checks.check(text("district", &input.district, 50))),
        addresses::detail.eq(checks.check(text("detail", &input.detail, 200))),
        addresses::postal_code.eq(checks.check(input.postal_code.as_deref().map(postal_code).transpose())),
    );
    checks.finish()?;
    let count: i64 = addresses::table.filter(addresses::user_id.eq(user_id)).count().get_result(conn)?;
    if usize::try_from(count).unwrap_or(usize::MAX) >= MAX_ADDRESSES {
        return Err(IdentityError::TooManyAddresses(MAX_ADDRESSES));
    }
    let is_default = input.is_default || count == 0;
    if is_default {
        clear_default(conn, user_id)?;
    }
    let id: AddressId = diesel::insert_into(addresses::table)
        .values((
            addresses::user_id.eq(user_id),
            values,
            addresses::is_default.eq(is_default),
            addresses::created_at.eq(now),
            addresses::updated_at.eq(now),
        ))
        .returning(addresses::id)
        .get_result(conn)?;
    load(conn, user_id, id)
}

pub(crate) fn update(
    conn: &mut DbConn,
    user_id: UserId,
    address_id: AddressId,
    patch: AddressPatch,
) -> Result<AddressView, IdentityError> {
    let current = load(conn, user_id, address_id)?;
    let recipient = patch.recipient.as_deref().map(|v| text("recipient", v, 50)).transpose()?;
    let phone = patch.phone.as_deref().map(phone).transpose()?;
    let province = patch.province.as_deref().map(|v| text("province", v, 50)).transpose()?;
    let city = patch.city.as_deref().map(|v| text("city", v, 50)).transpose()?;
    let district = patch.district.as_deref().map(|v| text("district", v, 50)).transpose()?;
    let detail = patch.detail.as_deref().map(|v| text("detail", v, 200)).transpose()?;
    let postal = patch.postal_code.as_deref().map(postal_code).transpose()?;
    if patch.is_default == Some(true) {
        clear_default(conn, user_id)?;
    }
    // The only default cannot be unset directly: make another address the default instead.
    let is_default = patch.is_default.map_or(current.is_default, |wanted| wanted || current.is_default);
    diesel::update(addresses::table.find(address_id))
        .set((
            addresses::recipient.eq(recipient.unwrap_or(current.recipient)),
            addresses::phone.eq(phone.unwrap_or(current.phone)),
            addresses::province.eq(province.unwrap_or(current.province)),
            addresses::city.eq(city.unwrap_or(current.city)),
            addresses::district.eq(district.unwrap_or(current.district)),
            addresses::detail.eq(detail.unwrap_or(current.detail)),
            addresses::postal_code.eq(postal.or(current.postal_code)),
            addresses::is_default.eq(is_default),
            addresses::updated_at.eq(Utc::now().naive_utc()),
        ))
        .execute(conn)?;
    load(conn, user_id, address_id)
}

pub(crate) fn delete(conn: &mut DbConn, user_id: UserId, address_id: AddressId) -> Result<(), IdentityError> {
    let address = load(conn, user_id, address_id)?;
    diesel::delete(addresses::table.find(address_id)).execute(conn)?;
    if address.is_default {
        let newest: Option<i64> = addresses::table
            .filter(addresses::user_id.eq(user_id))
            .order(addresses::id.desc())
            .select(addresses::id)
            .first(conn)
            .optional()?;
        if let Some(newest) = newest {
            diesel::update(addresses::table.find(newest)).set(addresses::is_default.eq(true)).execute(conn)?;
        }
    }
    Ok(())
}

/// One of `user_id`'s addresses (`None`: not theirs), inside the caller's transaction: what an
/// order snapshots when it is placed.
pub fn address_of(
    conn: &mut DbConn,
    user_id: UserId,
    address_id: AddressId,
) -> Result<Option<AddressView>, IdentityError> {
    match load(conn, user_id, address_id) {
        Ok(address) => Ok(Some(address)),
        Err(IdentityError::Refused(_)) => Ok(None),
        Err(other) => Err(other),
    }
}

/// One of `user_id`'s addresses as one line a parcel label can carry (`None`: not theirs), for a
/// prize to be shipped.
pub fn address_line(
    conn: &mut DbConn,
    user_id: UserId,
    address_id: AddressId,
) -> Result<Option<String>, IdentityError> {
    Ok(address_of(conn, user_id, address_id)?
        .map(|a| format!("{} {} {}{}{}{}", a.recipient, a.phone, a.province, a.city, a.district, a.detail)))
}
