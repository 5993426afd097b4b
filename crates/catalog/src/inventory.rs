//! The inventory ledger. Stock changes only through [`apply`]: one conditional update (stock never
//! goes below zero, whatever runs concurrently) and one ledger row, so a SKU's stock always equals
//! the sum of its ledger.

use crate::CatalogError;
use crate::products::{self, load_for_seller};
use bazaar_core::Refusal;
use bazaar_core::ids::{OrderId, ProductId, ShopId, SkuId, UserId};
use bazaar_db::DbConn;
use bazaar_db::schema::{inventory_ledger, products as products_table, skus};
use bazaar_identity::Principal;
use chrono::{NaiveDateTime, Utc};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};

/// The most a seller may stock of one SKU, whether created with it, set or adjusted to it. Goods
/// coming back from orders may lift it above this by what those orders held (never near the
/// range where the column could overflow).
pub const MAX_STOCK: i64 = 10_000_000;

/// Why stock changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Reason {
    /// Stock a SKU was created with.
    Initial,
    /// A seller counted, received or wrote off goods.
    Adjustment,
    /// An order reserved it (checkout).
    Reservation,
    /// A cancelled or expired order gave it back.
    Release,
    /// A refunded, unshipped order restocked it.
    Refund,
}

impl Reason {
    fn as_str(self) -> &'static str {
        match self {
            Reason::Initial => "initial",
            Reason::Adjustment => "adjustment",
            Reason::Reservation => "reservation",
            Reason::Release => "release",
            Reason::Refund => "refund",
        }
    }
}

/// A seller's stock change: either a new absolute figure or a relative adjustment, with a note.
#[derive(Debug, Clone, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct StockChange {
    /// The counted stock: the ledger records the difference.
    pub set: Option<i64>,
    /// Add (positive) or remove (negative) this much.
    pub adjust: Option<i64>,
    /// Why, in the seller's words (e.g. "盘点", "received shipment"): the ledger entry's `note`.
    /// `reason` is still accepted for it.
    #[serde(alias = "reason")]
    pub note: String,
}

#[derive(Debug, Clone, Serialize, Queryable)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LedgerEntry {
    pub id: i64,
    pub sku_id: SkuId,
    pub delta: i64,
    pub stock_after: i64,
    /// What kind of change: `adjustment` (a seller's), `reservation`, `release`, `refund`, `import`…
    pub reason: String,
    /// The seller's own words for an adjustment (`note` of the stock change).
    pub note: Option<String>,
    pub actor_id: Option<UserId>,
    pub order_id: Option<OrderId>,
    #[serde(serialize_with = "bazaar_core::clock::as_utc")]
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub created_at: NaiveDateTime,
}

#[derive(Debug, Clone, Serialize, Queryable)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LowStockItem {
    pub sku_id: SkuId,
    pub product_id: ProductId,
    pub title: String,
    pub spec_key: String,
    pub stock: i64,
}

/// Changes a SKU's stock by `delta` if the result stays at or above zero, and records it.
/// Returns the new stock.
pub fn apply(
    conn: &mut DbConn,
    sku_id: SkuId,
    delta: i64,
    reason: Reason,
    note: Option<&str>,
    actor_id: Option<UserId>,
    order_id: Option<OrderId>,
) -> Result<i64, CatalogError> {
    // Bounds written as `stock >= -delta` and `stock <= ceiling - delta`: never `stock + delta`,
    // which the database would have to compute (and could overflow) first.
    let ceiling = if matches!(reason, Reason::Initial | Reason::Adjustment) { MAX_STOCK } else { i64::MAX };
    let within = skus::stock.ge(delta.saturating_neg()).and(skus::stock.le(ceiling.saturating_sub(delta)));
    let changed = diesel::update(skus::table.find(sku_id).filter(within))
        .set((skus::stock.eq(skus::stock + delta), skus::updated_at.eq(Utc::now().naive_utc())))
        .execute(conn)?;
    let stock: i64 = skus::table
        .find(sku_id)
        .select(skus::stock)
        .get_result(conn)
        .optional()?
        .ok_or(CatalogError::not_found("SKU"))?;
    if changed == 0 && stock.checked_add(delta).is_none_or(|after| after > ceiling) {
        return Err(CatalogError::invalid("stock", format!("must stay at most {MAX_STOCK}")));
    }
    if changed == 0 {
        return Err(CatalogError::InsufficientStock { sku_id, available: stock });
    }
    diesel::insert_into(inventory_ledger::table)
        .values((
            inventory_ledger::sku_id.eq(sku_id),
            inventory_ledger::delta.eq(delta),
            inventory_ledger::stock_after.eq(stock),
            inventory_ledger::reason.eq(reason.as_str()),
            inventory_ledger::note.eq(note),
            inventory_ledger::actor_id.eq(actor_id),
            inventory_ledger::order_id.eq(order_id),
            inventory_ledger::created_at.eq(Utc::now().naive_utc()),
        ))
        .execute(conn)?;
    Ok(stock)
}

/// A seller's stock change on one SKU; keeps the product's totals and version in step.
/// Returns the SKU's product id with the SKU as it is now.
pub(crate) fn change_stock(
    conn: &mut DbConn,
    actor: &Principal,
    sku_id: SkuId,
    change: StockChange,
) -> Result<(ProductId, crate::SkuView), CatalogError> {
    let (product_id, current, active): (ProductId, i64, bool) = skus::table
        .find(sku_id)
        .select((skus::product_id, skus::stock, skus::active))
        .get_result(conn)
        .optional()?
        .ok_or(CatalogError::not_found("SKU"))?;
    load_for_seller(conn, actor, product_id)?;
    if !active {
        return Err(CatalogError::conflict("sku_retired", "this SKU's combination was removed"));
    }
    let reason = crate::text::bounded("note", &change.note, 1, 200, false)?;
    let delta = match (change.set, change.adjust) {
        (Some(target), None) if (0..=MAX_STOCK).contains(&target) => target - current,
        (Some(_), None) => return Err(CatalogError::invalid("set", format!("must be between 0 and {MAX_STOCK}"))),
        (None, Some(delta)) if delta != 0 && delta.abs() <= MAX_STOCK => delta,
        (None, Some(_)) => {
            return Err(CatalogError::invalid("adjust", format!("must be a non-zero change of at most {MAX_STOCK}")));
        }
        _ => return Err(CatalogError::invalid("set", "give exactly one of `set` or `adjust`")),
    };
    if delta != 0 {
        apply(conn, sku_id, delta, Reason::Adjustment, Some(&reason), Some(actor.user_id), None).map_err(|err| {
            match err {
                CatalogError::InsufficientStock { available, .. } => {
                    CatalogError::invalid("adjust", format!("would take stock below zero ({available} available)"))
                }
                CatalogError::Refused(invalid @ Refusal::Invalid { .. }) => {
                    CatalogError::Refused(invalid.at_field(if change.set.is_some() { "set" } else { "adjust" }))
                }
                other => other,
            }
        })?;
        products::touch(conn, product_id, "stock_changed")?;
    }
    let row = skus::table.find(sku_id).select(products::SkuRow::as_select()).get_result(conn)?;
    Ok((product_id, row.view()))
}

/// The SKU's ledger, newest first.
pub(crate) fn ledger(conn: &mut DbConn, actor: &Principal, sku_id: SkuId) -> Result<Vec<LedgerEntry>, CatalogError> {
    let product_id: ProductId = skus::table
        .find(sku_id)
        .select(skus::product_id)
        .get_result(conn)
        .optional()?
        .ok_or(CatalogError::not_found("SKU"))?;
    load_for_seller(conn, actor, product_id)?;
    Ok(inventory_ledger::table
        .filter(inventory_ledger::sku_id.eq(sku_id))
        .order(inventory_ledger::id.desc())
        .select((
            inventory_ledger::id,
            inventory_ledger::sku_id,
            inventory_ledger::delta,
            inventory_ledger::stock_after,
            inventory_ledger::reason,
            inventory_ledger::note,
            inventory_ledger::actor_id,
            inventory_ledger::order_id,
            inventory_ledger::created_at,
        ))
        .limit(500)
        .load(conn)?)
}

/// Active SKUs of a shop's live or draft products at or below `threshold`, lowest first.
pub(crate) fn low_stock(
    conn: &mut DbConn,
    actor: &Principal,
    shop_id: ShopId,
    threshold: i64,
) -> Result<Vec<LowStockItem>, CatalogError> {
    products::require_member(conn, shop_id, actor)?;
    Ok(skus::table
        .inner_join(products_table::table)
        .filter(products_table::shop_id.eq(shop_id))
        .filter(products_table::status.eq_any(["active", "draft", "delisted"]))
        .filter(skus::active.eq(true))
        .filter(skus::stock.le(threshold))
        .order((skus::stock.asc(), skus::id.asc()))
        .select((skus::id, skus::product_id, products_table::title, skus::spec_key, skus::stock))
        .limit(200)
        .load(conn)?)
}

/// Takes `quantity` of a SKU for an order: the ledgered conditional update (never below zero,
/// whatever runs concurrently) plus the product's totals and version, in the caller's transaction.
/// Fails with `InsufficientStock` and changes nothing when there is not enough.
pub fn reserve(
    conn: &mut DbConn,
    sku_id: SkuId,
    quantity: i64,
    buyer: UserId,
    order_id: OrderId,
) -> Result<(), CatalogError> {
    apply(conn, sku_id, -quantity, Reason::Reservation, None, Some(buyer), Some(order_id))?;
    let product_id: ProductId = skus::table.find(sku_id).select(skus::product_id).get_result(conn)?;
    products::touch(conn, product_id, "stock_changed")?;
    Ok(())
}

/// Gives back `quantity` of a SKU from an order that will not be delivered (cancelled, expired,
/// refunded before shipping). Callers make this happen once per order by changing the order's
/// state in the same transaction.
pub fn release(
    conn: &mut DbConn,
    sku_id: SkuId,
    quantity: i64,
    actor: Option<UserId>,
    order_id: OrderId,
    refund: bool,
) -> Result<(), CatalogError> {
    let reason = if refund { Reason::Refund } else { Reason::Release };
    apply(conn, sku_id, quantity, reason, None, actor, Some(order_id))?;
    let product_id: ProductId = skus::table.find(sku_id).select(skus::product_id).get_result(conn)?;
    products::touch(conn, product_id, "stock_changed")?;
    Ok(())
}
