//! Automatic promotions, applied without a claim: threshold tiers (满 199 减 20, 满 399 减 50) and
//! N items percent off (满 2 件 9 折) on a shop's orders, and limited-time prices (限时折扣) on one
//! SKU. What checkout takes of them, and in which order, is decided in `stacking.rs`.

use crate::PromotionError;
use crate::validation::{name, refuse};
use bazaar_core::ids::{ProductId, PromotionId, ShopId, SkuId, UserId};
use bazaar_core::{FieldChecks, Money};
use bazaar_db::DbConn;
use bazaar_db::schema::shop_promotions as sp;
use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};

/// What an automatic promotion does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum PromotionKind {
    /// 满减: the highest of `tiers` the order's goods reach is taken off.
    Tiers,
    /// 满 N 件 M 折: `percent_off` percent off once the order has `min_items` units.
    ItemsPercent,
    /// 限时折扣: `sku_id` sells at `price` from the start to the end.
    TimedPrice,
}

impl PromotionKind {
    const fn as_str(self) -> &'static str {
        match self {
            PromotionKind::Tiers => "tiers",
            PromotionKind::ItemsPercent => "items_percent",
            PromotionKind::TimedPrice => "timed_price",
        }
    }

    fn parse(stored: &str) -> PromotionKind {
        match stored {
            "items_percent" => PromotionKind::ItemsPercent,
            "timed_price" => PromotionKind::TimedPrice,
            _ => PromotionKind::Tiers,
        }
    }
}

/// One step of a threshold promotion.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Tier {
    /// The goods must add up to at least this, e.g. "199.00".
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub min_spend: Money,
    /// Then this is taken off, e.g. "20.00".
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub amount_off: Money,
}

/// A new automatic promotion, as a seller writes it.
#[derive(Debug, Clone, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct PromotionInput {
    pub name: String,
    pub kind: PromotionKind,
    /// For `tiers`: 1 to 5 steps, thresholds and amounts both rising.
    #[serde(default)]
    pub tiers: Vec<Tier>,
    /// For `items_percent`: the units an order needs (2 to 99).
    pub min_items: Option<i32>,
    /// For `items_percent`: 1 to 99 (10 is 9 折).
    pub percent_off: Option<i32>,
    /// For `timed_price`: one of the shop's SKUs.
    pub sku_id: Option<SkuId>,
    /// For `timed_price`: the price during the window, below the SKU's price.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub price: Option<Money>,
    /// Whether coupons may be used on top (for a limited-time price: on the lines at that price).
    #[serde(default)]
    pub combinable: bool,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
}

/// Where a promotion stands now.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum PromotionState {
    Upcoming,
    Live,
    Ended,
}

/// An automatic promotion with its countdown fields.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PromotionView {
    pub id: PromotionId,
    pub shop_id: ShopId,
    pub name: String,
    pub kind: PromotionKind,
    /// What buyers read, e.g. "满199减20 / 满399减50" or "满2件9折".
    pub label: String,
    pub tiers: Vec<Tier>,
    pub min_items: Option<i32>,
    pub percent_off: Option<i32>,
    pub sku_id: Option<SkuId>,
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub price: Option<Money>,
    /// For `timed_price`: the SKU's price when the promotion was made (the "was").
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub list_price: Option<Money>,
    pub combinable: bool,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub state: PromotionState,
    /// Seconds until the start (0 once started).
    pub starts_in_seconds: i64,
    /// Seconds until the end (0 once ended).
    pub ends_in_seconds: i64,
    /// For its shop: paid orders it discounted (refunded ones left out), what it took off them,
    /// and what they came to.
    pub paid_orders: i64,
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub discount_given: Money,
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub gmv: Money,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = sp)]
pub(crate) struct PromotionRow {
    pub id: PromotionId,
    pub shop_id: ShopId,
    pub name: String,
    pub kind: String,
    pub tiers: String,
    pub min_items: i32,
    pub percent_off: i32,
    pub sku_id: Option<SkuId>,
    pub price: Option<i64>,
    pub list_price: Option<i64>,
    pub combinable: bool,
    pub starts_at: NaiveDateTime,
    pub ends_at: NaiveDateTime,
    pub status: String,
}

const ACTIVE: &str = "active";
const ENDED: &str = "ended";

impl PromotionRow {
    pub(crate) fn kind(&self) -> PromotionKind {
        PromotionKind::parse(&self.kind)
    }

    /// The tiers in fen, lowest first.
    pub(crate) fn tiers(&self) -> Vec<(i64, i64)> {
        serde_json::from_str(&self.tiers).unwrap_or_default()
    }

    pub(crate) fn label(&self) -> String {
        match self.kind() {
            PromotionKind::Tiers => self
                .tiers()
                .iter()
                .map(|(min, off)| format!("满{}减{}", whole(*min), whole(*off)))
                .collect::<Vec<_>>()
                .join(" / "),
            PromotionKind::ItemsPercent => {
                let pay = 100 - self.percent_off;
                let discount =
                    if pay % 10 == 0 { format!("{}", pay / 10) } else { format!("{}.{}", pay / 10, pay % 10) };
                format!("满{}件{}折", self.min_items, discount)
            }
            PromotionKind::TimedPrice => format!("限时折扣 {}", Money::from_minor(self.price.unwrap_or_default())),
        }
    }

    fn view(self, now: NaiveDateTime) -> PromotionView {
        let state = if self.status == ENDED || now >= self.ends_at {
            PromotionState::Ended
        } else if now < self.starts_at {
            PromotionState::Upcoming
        } else {
            PromotionState::Live
        };
        let kind = self.kind();
        PromotionView {
            label: self.label(),
            tiers: self
                .tiers()
                .into_iter()
                .map(|(min, off)| Tier { min_spend: Money::from_minor(min), amount_off: Money::from_minor(off) })
                .collect(),
            id: self.id,
            shop_id: self.shop_id,
            name: self.name,
            kind,
            min_items: (kind == PromotionKind::ItemsPercent).then_some(self.min_items),
            percent_off: (kind == PromotionKind::ItemsPercent).then_some(self.percent_off),
            sku_id: self.sku_id,
            price: self.price.map(Money::from_minor),
            list_price: self.list_price.map(Money::from_minor),
            combinable: self.combinable,
            starts_at: self.starts_at.and_utc(),
            ends_at: self.ends_at.and_utc(),
            state,
            starts_in_seconds: (self.starts_at - now).num_seconds().max(0),
            ends_in_seconds: if state == PromotionState::Ended { 0 } else { (self.ends_at - now).num_seconds().max(0) },
            paid_orders: 0,
            discount_given: Money::ZERO,
            gmv: Money::ZERO,
        }
    }
}

/// Yuan without a needless ".00": 满199减20, 满99.5减10.
fn whole(fen: i64) -> String {
    if fen % 100 == 0 { (fen / 100).to_string() } else { Money::from_minor(fen).to_string() }
}

/// Every problem of `input` at once. Returns the timed price's SKU list price.
fn check(
    conn: &mut DbConn,
    shop: ShopId,
    input: &PromotionInput,
    now: NaiveDateTime,
) -> Result<Option<i64>, PromotionError> {
    let mut checks = FieldChecks::new();
    checks.check(name(&input.name));
    let mut list_price = None;
    match input.kind {
        PromotionKind::Tiers => checks.check(check_tiers(&input.tiers)),
        PromotionKind::ItemsPercent => {
            checks.check(match input.min_items {
                Some(2..=99) => Ok(()),
                _ => refuse("min_items", "must be 2 to 99"),
            });
            checks.check(match input.percent_off {
                Some(1..=99) => Ok(()),
                _ => refuse("percent_off", "must be 1 to 99"),
            });
        }
        PromotionKind::TimedPrice => {
            let facts = match input.sku_id {
                Some(sku) => bazaar_catalog::sku_facts(conn, sku)?.filter(|facts| facts.shop_id == shop),
                None => None,
            };
            match (&facts, input.price) {
                (None, _) => checks.check(refuse("sku_id", "must be a SKU of this shop")),
                (Some(_), None) => checks.check(refuse("price", "is required for a limited-time price")),
                (Some(_), Some(price)) if price <= Money::ZERO => {
                    checks.check(refuse("price", "must be more than 0.00"))
                }
                (Some(facts), Some(price)) if price.to_minor() >= facts.price => checks.check(refuse(
                    "price",
                    &format!("must be below the SKU's price {}", Money::from_minor(facts.price)),
                )),
                (Some(facts), Some(_)) => list_price = Some(facts.price),
            }
        }
    }
    let (starts, ends) = (input.starts_at.naive_utc(), input.ends_at.naive_utc());
    checks.check(if ends <= starts {
        refuse("ends_at", "must be after starts_at")
    } else if ends <= now {
        refuse("ends_at", "must be in the future")
    } else if ends - starts > chrono::Duration::days(90) {
        refuse("ends_at", "a promotion runs at most 90 days")
    } else {
        Ok(())
    });
    checks.finish()?;
    Ok(list_price)
}

fn check_tiers(tiers: &[Tier]) -> Result<(), PromotionError> {
    if tiers.is_empty() || tiers.len() > 5 {
        return refuse("tiers", "give 1 to 5 tiers");
    }
    for (index, tier) in tiers.iter().enumerate() {
        if tier.amount_off <= Money::ZERO {
            return refuse("tiers", "each amount_off must be more than 0.00");
        }
        // 满 X 减 Y with Y above X would hand out money.
        if tier.min_spend <= tier.amount_off {
            return refuse("tiers", "each min_spend must be above its amount_off");
        }
        if index > 0 && (tier.min_spend <= tiers[index - 1].min_spend || tier.amount_off <= tiers[index - 1].amount_off)
        {
            return refuse("tiers", "thresholds and amounts must both rise from tier to tier");
        }
    }
    Ok(())
}

/// Stores a checked promotion. A SKU takes at most one limited-time price at a time.
pub(crate) fn create(
    conn: &mut DbConn,
    shop: ShopId,
    author: UserId,
    input: &PromotionInput,
) -> Result<PromotionView, PromotionError> {
    let now = Utc::now().naive_utc();
    let list_price = check(conn, shop, input, now)?;
    let (starts, ends) = (input.starts_at.naive_utc(), input.ends_at.naive_utc());
    if input.kind == PromotionKind::TimedPrice {
        let overlapping: Option<PromotionId> = sp::table
            .filter(sp::sku_id.eq(input.sku_id))
            .filter(sp::status.eq(ACTIVE))
            .filter(sp::starts_at.lt(ends))
            .filter(sp::ends_at.gt(starts))
            .select(sp::id)
            .first(conn)
            .optional()?;
        if let Some(other) = overlapping {
            return Err(bazaar_core::Refusal::conflict(
                "timed_price_overlaps",
                "this SKU already has a limited-time price in that window",
            )
            .at_field("sku_id")
            .with("promotion_id", other)
            .into());
        }
    }
    let tiers: Vec<(i64, i64)> =
        input.tiers.iter().map(|tier| (tier.min_spend.to_minor(), tier.amount_off.to_minor())).collect();
    let id: PromotionId = diesel::insert_into(sp::table)
        .values((
            sp::shop_id.eq(shop),
            sp::name.eq(input.name.trim()),
            sp::kind.eq(input.kind.as_str()),
            sp::tiers.eq(serde_json::to_string(&tiers).unwrap_or_else(|_| "[]".into())),
            sp::min_items.eq(input.min_items.unwrap_or(0)),
            sp::percent_off.eq(input.percent_off.unwrap_or(0)),
            sp::sku_id.eq(input.sku_id.filter(|_| input.kind == PromotionKind::TimedPrice)),
            sp::price.eq(input.price.filter(|_| input.kind == PromotionKind::TimedPrice).map(Money::to_minor)),
            sp::list_price.eq(list_price),
            sp::combinable.eq(input.combinable),
            sp::starts_at.eq(starts),
            sp::ends_at.eq(ends),
            sp::status.eq(ACTIVE),
            sp::created_by.eq(author),
            sp::created_at.eq(now),
        ))
        .returning(sp::id)
        .get_result(conn)?;
    Ok(load(conn, id)?.view(now))
}

pub(crate) fn load(conn: &mut DbConn, id: PromotionId) -> Result<PromotionRow, PromotionError> {
    sp::table
        .find(id)
        .select(PromotionRow::as_select())
        .first(conn)
        .optional()?
        .ok_or(PromotionError::not_found("promotion"))
}

/// Ends a promotion now; orders already placed keep what it gave them.
pub(crate) fn end(conn: &mut DbConn, id: PromotionId) -> Result<PromotionView, PromotionError> {
    diesel::update(sp::table.find(id)).set(sp::status.eq(ENDED)).execute(conn)?;
    Ok(load(conn, id)?.view(Utc::now().naive_utc()))
}

/// Every promotion of a shop, newest first.
pub(crate) fn of_shop(conn: &mut DbConn, shop: ShopId) -> Result<Vec<PromotionView>, PromotionError> {
    let now = Utc::now().naive_utc();
    let rows = sp::table
        .filter(sp::shop_id.eq(shop))
        .order(sp::id.desc())
        .limit(200)
        .select(PromotionRow::as_select())
        .load(conn)?;
    Ok(rows.into_iter().map(|row| row.view(now)).collect())
}

/// The order promotions (tiers, items percent) live now in `shops`.
pub(crate) fn live_order_promotions(conn: &mut DbConn, shops: &[ShopId]) -> Result<Vec<PromotionRow>, PromotionError> {
    let now = Utc::now().naive_utc();
    Ok(sp::table
        .filter(sp::shop_id.eq_any(shops))
        .filter(sp::kind.ne(PromotionKind::TimedPrice.as_str()))
        .filter(sp::status.eq(ACTIVE))
        .filter(sp::starts_at.le(now))
        .filter(sp::ends_at.gt(now))
        .order(sp::id.asc())
        .select(PromotionRow::as_select())
        .load(conn)?)
}

/// A limited-time price in force now.
#[derive(Debug, Clone, Copy)]
pub struct TimedPrice {
    pub promotion_id: PromotionId,
    pub sku_id: SkuId,
    /// In fen.
    pub price: i64,
    /// Whether coupons may be used on lines at this price.
    pub combinable: bool,
}

/// The limited-time prices in force now for `skus` (at most one each).
pub fn timed_prices(conn: &mut DbConn, skus: &[SkuId]) -> Result<Vec<TimedPrice>, PromotionError> {
    let now = Utc::now().naive_utc();
    let rows: Vec<(PromotionId, Option<SkuId>, Option<i64>, bool)> = sp::table
        .filter(sp::sku_id.eq_any(skus))
        .filter(sp::status.eq(ACTIVE))
        .filter(sp::starts_at.le(now))
        .filter(sp::ends_at.gt(now))
        .select((sp::id, sp::sku_id, sp::price, sp::combinable))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .filter_map(|(promotion_id, sku_id, price, combinable)| {
            Some(TimedPrice { promotion_id, sku_id: sku_id?, price: price?, combinable })
        })
        .collect())
}

/// What a product page shows: the limited-time prices of its SKUs (live or upcoming, with their
/// countdowns) and its shop's order promotions live now.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ProductPromotions {
    pub timed_prices: Vec<PromotionView>,
    pub order_promotions: Vec<PromotionView>,
}

pub(crate) fn for_product(conn: &mut DbConn, product: ProductId) -> Result<ProductPromotions, PromotionError> {
    let facts = bazaar_catalog::product_facts(conn, &[product])?;
    let fact = facts.into_iter().next().ok_or(PromotionError::not_found("product"))?;
    let now = Utc::now().naive_utc();
    let sku_ids = bazaar_catalog::skus_of_product(conn, product)?;
    let timed = sp::table
        .filter(sp::sku_id.eq_any(&sku_ids))
        .filter(sp::status.eq(ACTIVE))
        .filter(sp::ends_at.gt(now))
        .order(sp::starts_at.asc())
        .select(PromotionRow::as_select())
        .load(conn)?;
    Ok(ProductPromotions {
        timed_prices: timed.into_iter().map(|row| row.view(now)).collect(),
        order_promotions: live_order_promotions(conn, &[fact.shop_id])?.into_iter().map(|row| row.view(now)).collect(),
    })
}
