//! Shop pages: the public profile, edits by the owner, follows, and suspension by admins.

use crate::CatalogError;
use crate::text::{bounded, url};
use bazaar_core::ids::{ShopId, UserId};
use bazaar_db::DbConn;
use bazaar_db::outbox::{self, NewOutboxEvent};
use bazaar_db::schema::{shop_follows, shops};
use bazaar_identity::{Principal, ShopStatus};
use chrono::Utc;
use diesel::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Serialize, Queryable, Selectable)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[diesel(table_name = shops)]
pub struct ShopPage {
    pub id: ShopId,
    pub owner_id: UserId,
    pub name: String,
    pub main_category: String,
    pub description: String,
    pub logo_url: Option<String>,
    pub banner_url: Option<String>,
    pub brand_story: Option<String>,
    pub address: Option<String>,
    pub latitude: Option<f64>,
    pub longitude: Option<f64>,
    pub business_hours: Option<String>,
    pub service_hours: Option<String>,
    pub status: String,
    pub followers_count: i64,
    pub rating_avg: Option<f64>,
    pub rating_count: i64,
    /// Shipping per order, free from `free_shipping_from`.
    #[serde(serialize_with = "bazaar_core::money::serialize_minor")]
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub shipping_fee: i64,
    #[serde(serialize_with = "bazaar_core::money::serialize_minor")]
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub free_shipping_from: i64,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ShopPatch {
    pub name: Option<String>,
    pub description: Option<String>,
    pub logo_url: Option<String>,
    pub banner_url: Option<String>,
    pub brand_story: Option<String>,
    pub address: Option<String>,
    pub latitude: Option<f64>,
    pub longitude: Option<f64>,
    /// e.g. `"09:00-21:00"`.
    pub business_hours: Option<String>,
    pub service_hours: Option<String>,
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub shipping_fee: Option<bazaar_core::Money>,
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub free_shipping_from: Option<bazaar_core::Money>,
}

pub(crate) fn page(conn: &mut DbConn, shop_id: ShopId) -> Result<ShopPage, CatalogError> {
    shops::table
        .find(shop_id)
        .select(ShopPage::as_select())
        .get_result(conn)
        .optional()?
        .ok_or(CatalogError::not_found("shop"))
}

fn announce(conn: &mut DbConn, shop_id: ShopId, kind: &str) -> Result<(), CatalogError> {
    let payload = serde_json::json!({ "shop_id": shop_id }).to_string();
    outbox::append(
        conn,
        &NewOutboxEvent {
            topic: "shop",
            entity_id: shop_id.get(),
            kind,
            payload: &payload,
            created_at: Utc::now().naive_utc(),
        },
    )?;
    Ok(())
}

fn hours(field: &str, raw: &str) -> Result<String, CatalogError> {
    let value = raw.trim();
    let valid = value.split(',').all(|range| {
        let Some((from, to)) = range.trim().split_once('-') else { return false };
        let clock = |t: &str| {
            let (h, m) = t.trim().split_once(':').unwrap_or(("x", "x"));
            matches!((h.parse::<u8>(), m.parse::<u8>()), (Ok(h), Ok(m)) if h <= 24 && m < 60)
        };
        clock(from) && clock(to)
    });
    if !valid {
        return Err(CatalogError::invalid(
            field.to_string(),
            "must look like 09:00-21:00 (several ranges separated by commas)",
        ));
    }
    Ok(value.to_string())
}

pub(crate) fn update(
    conn: &mut DbConn,
    actor: &Principal,
    shop_id: ShopId,
    patch: ShopPatch,
    limits: &bazaar_core::MoneyLimits,
) -> Result<ShopPage, CatalogError> {
    page(conn, shop_id)?;
    actor.require_shop_owner(conn, shop_id)?;
    if patch.latitude.is_some_and(|lat| !(-90.0..=90.0).contains(&lat)) {
        return Err(CatalogError::invalid("latitude", "must be between -90 and 90"));
    }
    if patch.longitude.is_some_and(|lon| !(-180.0..=180.0).contains(&lon)) {
        return Err(CatalogError::invalid("longitude", "must be between -180 and 180"));
    }
    let target = shops::table.find(shop_id);
    let opt_text = |field: &str, value: &Option<String>, max: usize| {
        value.as_deref().map(|v| bounded(field, v, 0, max, true)).transpose()
    };
    let opt_url = |field: &str, value: &Option<String>| value.as_deref().map(|v| url(field, v)).transpose();
    if let Some(name) = &patch.name {
        diesel::update(target).set(shops::name.eq(bounded("name", name, 2, 40, false)?)).execute(conn)?;
    }
    if let Some(description) = opt_text("description", &patch.description, 2000)? {
        diesel::update(target).set(shops::description.eq(description)).execute(conn)?;
    }
    if let Some(logo) = opt_url("logo_url", &patch.logo_url)? {
        diesel::update(target).set(shops::logo_url.eq(logo)).execute(conn)?;
    }
    if let Some(banner) = opt_url("banner_url", &patch.banner_url)? {
        diesel::update(target).set(shops::banner_url.eq(banner)).execute(conn)?;
    }
    if let Some(story) = opt_text("brand_story", &patch.brand_story, 5000)? {
        diesel::update(target).set(shops::brand_story.eq(story)).execute(conn)?;
    }
    if let Some(address) = opt_text("address", &patch.address, 200)? {
        diesel::update(target).set(shops::address.eq(address)).execute(conn)?;
    }
    match (patch.latitude, patch.longitude) {
        (Some(lat), Some(lon)) => {
            diesel::update(target).set((shops::latitude.eq(lat), shops::longitude.eq(lon))).execute(conn)?;
        }
        (None, None) => {}
        _ => return Err(CatalogError::invalid("latitude", "latitude and longitude go together")),
    }
    if let Some(business) = patch.business_hours.as_deref().map(|h| hours("business_hours", h)).transpose()? {
        diesel::update(target).set(shops::business_hours.eq(business)).execute(conn)?;
    }
    if let Some(service) = patch.service_hours.as_deref().map(|h| hours("service_hours", h)).transpose()? {
        diesel::update(target).set(shops::service_hours.eq(service)).execute(conn)?;
    }
    let amounts = [
        ("shipping_fee", patch.shipping_fee, limits.max_shipping_fee),
        ("free_shipping_from", patch.free_shipping_from, limits.max_order),
    ];
    for (field, amount, ceiling) in amounts {
        if amount.is_some_and(|amount| amount < bazaar_core::Money::ZERO || amount > ceiling) {
            return Err(CatalogError::invalid(field.to_string(), format!("must be between 0 and {ceiling}")));
        }
    }
    if let Some(fee) = patch.shipping_fee {
        diesel::update(target).set(shops::shipping_fee.eq(fee.to_minor())).execute(conn)?;
    }
    if let Some(threshold) = patch.free_shipping_from {
        diesel::update(target).set(shops::free_shipping_from.eq(threshold.to_minor())).execute(conn)?;
    }
    diesel::update(target).set(shops::updated_at.eq(Utc::now().naive_utc())).execute(conn)?;
    announce(conn, shop_id, "updated")?;
    page(conn, shop_id)
}

/// Follows (true) or unfollows (false); idempotent. Returns the new follower count.
pub(crate) fn follow(conn: &mut DbConn, user_id: UserId, shop_id: ShopId, on: bool) -> Result<i64, CatalogError> {
    page(conn, shop_id)?;
    let exists: bool =
        diesel::select(diesel::dsl::exists(shop_follows::table.find((user_id, shop_id)))).get_result(conn)?;
    let delta = match (on, exists) {
        (true, false) => {
            diesel::insert_into(shop_follows::table)
                .values((
                    shop_follows::user_id.eq(user_id),
                    shop_follows::shop_id.eq(shop_id),
                    shop_follows::created_at.eq(Utc::now().naive_utc()),
                ))
                .execute(conn)?;
            1
        }
        (false, true) => {
            diesel::delete(shop_follows::table.find((user_id, shop_id))).execute(conn)?;
            -1
        }
        _ => 0,
    };
    if delta != 0 {
        diesel::update(shops::table.find(shop_id))
            .set(shops::followers_count.eq(shops::followers_count + delta))
            .execute(conn)?;
    }
    Ok(shops::table.find(shop_id).select(shops::followers_count).get_result(conn)?)
}

/// Suspends (hiding its products from buyers) or reinstates a shop.
pub(crate) fn set_status(conn: &mut DbConn, shop_id: ShopId, suspended: bool) -> Result<ShopPage, CatalogError> {
    page(conn, shop_id)?;
    let status = if suspended { ShopStatus::Suspended } else { ShopStatus::Active };
    bazaar_identity::set_shop_status(conn, shop_id, status)?;
    announce(conn, shop_id, if suspended { "suspended" } else { "reinstated" })?;
    page(conn, shop_id)
}
