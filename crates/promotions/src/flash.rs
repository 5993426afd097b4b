//! Flash sales (秒杀): one SKU at a flash price, with its own quantity and per-buyer limit, from
//! a start to an end. The database is the authority: a buy-now order takes its units by a
//! conditional update of `sold` (inside the window, within the quantity) and of the buyer's row
//! (within the limit), and leaves a reservation row, all in the order's transaction. Cancelling
//! or timing out the unpaid order releases the reservation once (its status guards it) and gives
//! the units back. The optional front gate ([`crate::FlashGate`]) only turns the crowd away early.

use crate::PromotionError;
use crate::validation::refuse;
use bazaar_core::ids::{FlashSaleId, OrderId, ProductId, ShopId, SkuId, UserId};
use bazaar_core::{FieldChecks, Money};
use bazaar_db::DbConn;
use bazaar_db::schema::{flash_buyers as fb, flash_reservations as fr, flash_sales as fs};
use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};

/// Who runs a flash sale (and funds its price cut).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum Organizer {
    Shop,
    /// A scheduled platform session (10:00 / 14:00 / 20:00 China time by default).
    Platform,
}

impl Organizer {
    pub const fn as_str(self) -> &'static str {
        match self {
            Organizer::Shop => "shop",
            Organizer::Platform => "platform",
        }
    }
}

/// Where a flash sale stands now.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum FlashState {
    Upcoming,
    Live,
    SoldOut,
    Ended,
}

const ACTIVE: &str = "active";
const RESERVED: &str = "reserved";
const PAID: &str = "paid";
const RELEASED: &str = "released";

/// A new flash sale.
#[derive(Debug, Clone, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct FlashSaleInput {
    /// One of the shop's SKUs.
    pub sku_id: SkuId,
    /// The flash price, below the SKU's price, e.g. "9.90".
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub flash_price: Money,
    /// Units on offer at the flash price (1 to 100 000).
    pub quantity: i64,
    /// The most one buyer may buy; 1 by default.
    #[serde(default = "one")]
    pub per_user_limit: i64,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
}

fn one() -> i64 {
    1
}

/// A flash sale as buyers see it, with the countdown fields a page shows.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FlashSaleView {
    pub id: FlashSaleId,
    pub shop_id: ShopId,
    pub organizer: Organizer,
    pub product_id: ProductId,
    pub sku_id: SkuId,
    pub title: String,
    /// The SKU's price when the sale was made.
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub list_price: Money,
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub flash_price: Money,
    pub quantity: i64,
    pub remaining: i64,
    pub per_user_limit: i64,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub state: FlashState,
    /// Seconds until the start (0 once started).
    pub starts_in_seconds: i64,
    /// Seconds until the end (0 once ended).
    pub ends_in_seconds: i64,
}

/// A flash sale for its shop: what sold, what is held by unpaid orders, and what the gate refused.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FlashSaleReport {
    #[serde(flatten)]
    pub sale: FlashSaleView,
    /// Units in paid orders.
    pub paid: i64,
    /// Units held by orders not paid yet.
    pub reserved: i64,
    /// Requests the front gate turned away before they reached the database.
    pub refused_at_gate: i64,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = fs)]
pub(crate) struct FlashRow {
    pub id: FlashSaleId,
    pub shop_id: ShopId,
    pub organizer: String,
    pub product_id: ProductId,
    pub title: String,
    pub list_price: i64,
    pub sku_id: SkuId,
    pub flash_price: i64,
    pub quantity: i64,
    pub sold: i64,
    pub per_user_limit: i64,
    pub starts_at: NaiveDateTime,
    pub ends_at: NaiveDateTime,
}

/// What a buy-now order needs of its flash sale, checked against the request.
#[derive(Debug, Clone, Copy)]
pub struct FlashTerms {
    pub id: FlashSaleId,
    pub shop_id: ShopId,
    pub sku_id: SkuId,
    /// The flash price in fen.
    pub price: i64,
    pub per_user_limit: i64,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
}

impl FlashRow {
    fn view(self, now: NaiveDateTime) -> FlashSaleView {
        let remaining = (self.quantity - self.sold).max(0);
        let state = if now < self.starts_at {
            FlashState::Upcoming
        } else if now >= self.ends_at {
            FlashState::Ended
        } else if remaining == 0 {
            FlashState::SoldOut
        } else {
            FlashState::Live
        };
        FlashSaleView {
            id: self.id,
            shop_id: self.shop_id,
            organizer: if self.organizer == Organizer::Platform.as_str() {
                Organizer::Platform
            } else {
                Organizer::Shop
            },
            product_id: self.product_id,
            sku_id: self.sku_id,
            title: self.title,
            list_price: Money::from_minor(self.list_price),
            flash_price: Money::from_minor(self.flash_price),
            quantity: self.quantity,
            remaining,
            per_user_limit: self.per_user_limit,
            starts_at: self.starts_at.and_utc(),
            ends_at: self.ends_at.and_utc(),
            state,
            starts_in_seconds: (self.starts_at - now).num_seconds().max(0),
            ends_in_seconds: (self.ends_at - now).num_seconds().max(0),
        }
    }
}

/// Every problem of `input` at once; the SKU must be one of `shop`'s, on sale, and dearer than
/// the flash price. Returns the SKU's facts.
fn check(
    conn: &mut DbConn,
    shop: ShopId,
    input: &FlashSaleInput,
    now: NaiveDateTime,
) -> Result<bazaar_catalog::SkuFacts, PromotionError> {
    let mut checks = FieldChecks::new();
    let facts = bazaar_catalog::sku_facts(conn, input.sku_id)?.filter(|facts| facts.shop_id == shop);
    match &facts {
        None => checks.check(refuse("sku_id", "is not a SKU of this shop")),
        Some(facts) if !facts.on_sale => checks.check(refuse("sku_id", "is not on sale (publish its product first)")),
        Some(facts) if input.flash_price.to_minor() >= facts.price => checks
            .check(refuse("flash_price", &format!("must be below the SKU's price {}", Money::from_minor(facts.price)))),
        Some(_) => {}
    }
    if input.flash_price <= Money::ZERO {
        checks.check(refuse("flash_price", "must be more than 0.00"));
    }
    if !(1..=100_000).contains(&input.quantity) {
        checks.check(refuse("quantity", "must be 1 to 100000"));
    }
    if input.per_user_limit < 1 || input.per_user_limit > input.quantity.max(1) {
        checks.check(refuse("per_user_limit", "must be 1 to the quantity"));
    }
    if input.ends_at <= input.starts_at {
        checks.check(refuse("ends_at", "must be after starts_at"));
    } else if input.ends_at.naive_utc() <= now {
        checks.check(refuse("ends_at", "must be in the future"));
    } else if input.ends_at - input.starts_at > chrono::Duration::days(7) {
        checks.check(refuse("ends_at", "a flash sale lasts at most 7 days"));
    }
    checks.finish()?;
    facts.ok_or_else(|| PromotionError::invalid("sku_id", "is not a SKU of this shop"))
}

/// Offers a flash sale. At most one flash price per SKU at a time: a window overlapping another
/// flash sale of the SKU is a conflict.
pub(crate) fn create(
    conn: &mut DbConn,
    organizer: Organizer,
    shop: ShopId,
    created_by: UserId,
    input: &FlashSaleInput,
    now: NaiveDateTime,
) -> Result<FlashSaleView, PromotionError> {
    let facts = check(conn, shop, input, now)?;
    let (starts, ends) = (input.starts_at.naive_utc(), input.ends_at.naive_utc());
    let overlapping: Option<FlashSaleId> = fs::table
        .filter(fs::sku_id.eq(input.sku_id))
        .filter(fs::status.eq(ACTIVE))
        .filter(fs::starts_at.lt(ends))
        .filter(fs::ends_at.gt(starts))
        .select(fs::id)
        .first(conn)
        .optional()?;
    if let Some(other) = overlapping {
        return Err(PromotionError::conflict(
            "flash_sale_overlaps",
            format!("flash sale {other} already offers this SKU in that time"),
        ));
    }
    let id: FlashSaleId = diesel::insert_into(fs::table)
        .values((
            fs::shop_id.eq(shop),
            fs::organizer.eq(organizer.as_str()),
            fs::product_id.eq(facts.product_id),
            fs::title.eq(&facts.title),
            fs::list_price.eq(facts.price),
            fs::sku_id.eq(input.sku_id),
            fs::flash_price.eq(input.flash_price.to_minor()),
            fs::quantity.eq(input.quantity),
            fs::sold.eq(0_i64),
            fs::per_user_limit.eq(input.per_user_limit),
            fs::starts_at.eq(starts),
            fs::ends_at.eq(ends),
            fs::status.eq(ACTIVE),
            fs::created_by.eq(created_by),
            fs::created_at.eq(now),
        ))
        .returning(fs::id)
        .get_result(conn)?;
    view(conn, id, now)
}

pub(crate) fn load(conn: &mut DbConn, id: FlashSaleId) -> Result<FlashRow, PromotionError> {
    fs::table
        .find(id)
        .filter(fs::status.eq(ACTIVE))
        .select(FlashRow::as_select())
        .first(conn)
        .optional()?
        .ok_or_else(|| PromotionError::not_found("flash sale"))
}

pub(crate) fn view(conn: &mut DbConn, id: FlashSaleId, now: NaiveDateTime) -> Result<FlashSaleView, PromotionError> {
    Ok(load(conn, id)?.view(now))
}

/// Live and upcoming flash sales, soonest first.
pub(crate) fn live_and_upcoming(
    conn: &mut DbConn,
    now: NaiveDateTime,
    limit: i64,
) -> Result<Vec<FlashSaleView>, PromotionError> {
    let rows: Vec<FlashRow> = fs::table
        .filter(fs::status.eq(ACTIVE))
        .filter(fs::ends_at.gt(now))
        .order((fs::starts_at.asc(), fs::id.asc()))
        .limit(limit)
        .select(FlashRow::as_select())
        .load(conn)?;
    Ok(rows.into_iter().map(|row| row.view(now)).collect())
}

/// A shop's flash sales, newest first, with what sold and what unpaid orders hold
/// (`refused_at_gate` is the gate's to fill in).
pub(crate) fn of_shop(
    conn: &mut DbConn,
    shop: ShopId,
    now: NaiveDateTime,
) -> Result<Vec<FlashSaleReport>, PromotionError> {
    let rows: Vec<FlashRow> = fs::table
        .filter(fs::shop_id.eq(shop))
        .order(fs::id.desc())
        .limit(200)
        .select(FlashRow::as_select())
        .load(conn)?;
    let ids: Vec<FlashSaleId> = rows.iter().map(|row| row.id).collect();
    let held: Vec<(FlashSaleId, String, i64)> = fr::table
        .filter(fr::flash_sale_id.eq_any(&ids))
        .filter(fr::status.ne(RELEASED))
        .select((fr::flash_sale_id, fr::status, fr::quantity))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|row| {
            let units = |status: &str| {
                held.iter().filter(|(id, s, _)| *id == row.id && s == status).map(|(_, _, quantity)| quantity).sum()
            };
            let (paid, reserved) = (units(PAID), units(RESERVED));
            FlashSaleReport { sale: row.view(now), paid, reserved, refused_at_gate: 0 }
        })
        .collect())
}

/// A sale's terms, for a buy-now order; [`FlashTerms::check`] then judges the request.
pub fn terms_of(conn: &mut DbConn, id: FlashSaleId) -> Result<FlashTerms, PromotionError> {
    let row = load(conn, id)?;
    Ok(FlashTerms {
        id: row.id,
        shop_id: row.shop_id,
        sku_id: row.sku_id,
        price: row.flash_price,
        per_user_limit: row.per_user_limit,
        starts_at: row.starts_at.and_utc(),
        ends_at: row.ends_at.and_utc(),
    })
}

impl FlashTerms {
    /// A buy-now request of `quantity` × `sku` now: refused before the start and after the end
    /// (nothing is consumed), for another SKU, or beyond the per-buyer limit.
    pub fn check(&self, sku: SkuId, quantity: i64, now: NaiveDateTime) -> Result<(), PromotionError> {
        if self.sku_id != sku {
            return Err(PromotionError::invalid(
                "sku_id",
                format!("flash sale {} offers SKU {} only", self.id, self.sku_id),
            ));
        }
        if quantity < 1 || quantity > self.per_user_limit {
            return Err(PromotionError::invalid("quantity", format!("must be 1 to {}", self.per_user_limit)));
        }
        window_open(self.starts_at.naive_utc(), self.ends_at.naive_utc(), now)
    }
}

/// The refusals a buy-now meets; the front gate answers with the same ones.
pub(crate) fn not_started() -> PromotionError {
    PromotionError::conflict("flash_sale_not_started", "this flash sale has not started yet")
}

pub(crate) fn ended() -> PromotionError {
    PromotionError::conflict("flash_sale_ended", "this flash sale has ended")
}

pub(crate) fn sold_out() -> PromotionError {
    PromotionError::conflict("flash_sold_out", "this flash sale is sold out")
}

pub(crate) fn limit_reached(limit: i64) -> PromotionError {
    PromotionError::conflict("flash_limit_reached", format!("one buyer may buy at most {limit} of this flash sale"))
}

fn window_open(starts: NaiveDateTime, ends: NaiveDateTime, now: NaiveDateTime) -> Result<(), PromotionError> {
    if now < starts {
        return Err(not_started());
    }
    if now >= ends {
        return Err(ended());
    }
    Ok(())
}

/// Takes `quantity` units of the flash sale for `order`, inside the order's transaction: the
/// sale's quantity first (its row lock queues the crowd), then the buyer's limit, then the
/// reservation row the release will find.
pub fn reserve(
    conn: &mut DbConn,
    terms: &FlashTerms,
    buyer: UserId,
    quantity: i64,
    order: OrderId,
    now: NaiveDateTime,
) -> Result<(), PromotionError> {
    let taken = diesel::update(fs::table.find(terms.id))
        .filter(fs::status.eq(ACTIVE))
        .filter(fs::starts_at.le(now))
        .filter(fs::ends_at.gt(now))
        .filter((fs::sold + quantity).le(fs::quantity))
        .set(fs::sold.eq(fs::sold + quantity))
        .execute(conn)?;
    if taken == 0 {
        let row = load(conn, terms.id)?;
        window_open(row.starts_at, row.ends_at, now)?;
        return Err(sold_out());
    }
    // The portable upsert (as for coupon claims); both values are ids.
    diesel::sql_query(format!(
        "INSERT INTO flash_buyers (flash_sale_id, user_id, bought) VALUES ({}, {buyer}, 0) ON CONFLICT DO NOTHING",
        terms.id
    ))
    .execute(conn)?;
    let within_limit = diesel::update(fb::table.find((terms.id, buyer)))
        .filter((fb::bought + quantity).le(terms.per_user_limit))
        .set(fb::bought.eq(fb::bought + quantity))
        .execute(conn)?;
    if within_limit == 0 {
        return Err(limit_reached(terms.per_user_limit));
    }
    diesel::insert_into(fr::table)
        .values((
            fr::order_id.eq(order),
            fr::flash_sale_id.eq(terms.id),
            fr::user_id.eq(buyer),
            fr::quantity.eq(quantity),
            fr::status.eq(RESERVED),
            fr::created_at.eq(now),
        ))
        .execute(conn)?;
    Ok(())
}

/// Gives an unpaid order's flash units back, once: the reservation's status guards it. Returns
/// the flash sale and buyer whose units came back, for the gate to forget what it counted.
pub fn release_flash(conn: &mut DbConn, order: OrderId) -> Result<Option<(FlashSaleId, UserId)>, PromotionError> {
    let released: Option<(FlashSaleId, UserId, i64)> = diesel::update(fr::table.find(order))
        .filter(fr::status.eq(RESERVED))
        .set(fr::status.eq(RELEASED))
        .returning((fr::flash_sale_id, fr::user_id, fr::quantity))
        .get_result(conn)
        .optional()?;
    let Some((sale, buyer, quantity)) = released else { return Ok(None) };
    diesel::update(fs::table.find(sale)).set(fs::sold.eq(fs::sold - quantity)).execute(conn)?;
    diesel::update(fb::table.find((sale, buyer))).set(fb::bought.eq(fb::bought - quantity)).execute(conn)?;
    Ok(Some((sale, buyer)))
}

/// The order was paid: its units are sold for good.
pub fn flash_paid(conn: &mut DbConn, order: OrderId) -> Result<(), PromotionError> {
    diesel::update(fr::table.find(order)).filter(fr::status.eq(RESERVED)).set(fr::status.eq(PAID)).execute(conn)?;
    Ok(())
}

/// Units left to sell, for the gate to load.
pub(crate) fn remaining(conn: &mut DbConn, id: FlashSaleId) -> Result<i64, PromotionError> {
    let row = load(conn, id)?;
    Ok((row.quantity - row.sold).max(0))
}
