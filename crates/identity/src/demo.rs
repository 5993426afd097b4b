//! Demo sellers for `bazaar seed-demo`: an OTP-only owner (no password to hash, so thousands of
//! shops take seconds) and an active shop they own. Identity writes these rows because it owns
//! `users`, `shops` and `shop_members`; the catalog's seeder calls this inside its transaction.

use crate::IdentityError;
use crate::shops::{ShopRole, ShopStatus, add_member};
use bazaar_core::ids::{ShopId, UserId};
use bazaar_db::DbConn;
use bazaar_db::schema::{shops, users};
use chrono::Utc;
use diesel::prelude::*;

/// One demo shop and its owner.
#[derive(Debug, Clone, Copy)]
pub struct DemoShop<'a> {
    pub owner_phone: &'a str,
    pub owner_nickname: &'a str,
    pub name: &'a str,
    pub main_category: &'a str,
    pub description: &'a str,
    /// Latitude and longitude, so nearby search finds the shop.
    pub location: (f64, f64),
}

/// Creates the owner and their active shop; a phone already registered is 409 `already_seeded`
/// (the same seed was run before).
pub fn open_demo_shop(conn: &mut DbConn, demo: &DemoShop<'_>) -> Result<(UserId, ShopId), IdentityError> {
    let now = Utc::now().naive_utc();
    let owner: UserId = diesel::insert_into(users::table)
        .values((
            users::phone.eq(demo.owner_phone),
            users::nickname.eq(demo.owner_nickname),
            users::is_admin.eq(false),
            users::created_at.eq(now),
            users::updated_at.eq(now),
        ))
        .returning(users::id)
        .get_result(conn)
        .map_err(|err| {
            if crate::error::is_unique_violation(&err) {
                IdentityError::conflict(
                    "already_seeded",
                    "demo data for this seed is already there; pick another --seed",
                )
            } else {
                err.into()
            }
        })?;
    let shop: ShopId = diesel::insert_into(shops::table)
        .values((
            shops::owner_id.eq(owner),
            shops::name.eq(demo.name),
            shops::main_category.eq(demo.main_category),
            shops::description.eq(demo.description),
            shops::contact_phone.eq(demo.owner_phone),
            shops::status.eq(ShopStatus::Active.as_str()),
            shops::latitude.eq(Some(demo.location.0)),
            shops::longitude.eq(Some(demo.location.1)),
            shops::created_at.eq(now),
            shops::updated_at.eq(now),
        ))
        .returning(shops::id)
        .get_result(conn)?;
    add_member(conn, shop, owner, ShopRole::Owner, None, now)?;
    Ok((owner, shop))
}
