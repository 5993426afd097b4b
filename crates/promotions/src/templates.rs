//! Coupon templates: what a shop offers, checked as a whole before anything is written, and what
//! may change once buyers hold its coupons.

use crate::PromotionError;
use crate::validation::{name, refuse};
use bazaar_core::ids::{CategoryId, CouponTemplateId, ProductId, ShopId, UserId};
use bazaar_core::{FieldChecks, Money};
use bazaar_db::DbConn;
use bazaar_db::schema::coupon_templates as t;
use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};

/// How a coupon takes money off.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum CouponKind {
    /// `amount_off` yuan off the eligible lines (满 X 减 Y with a `min_spend`).
    Fixed,
    /// `percent_off` percent off the eligible lines, at most `max_discount`.
    Percent,
}

/// Which lines of an order a coupon applies to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum CouponScope {
    /// Every product of the shop.
    Shop,
    /// Only `product_ids`.
    Products,
    /// Products in `category_ids` or below them.
    Categories,
    /// Every product but `product_ids`.
    ExceptProducts,
}

/// Who may claim a template's coupons.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum Visibility {
    /// Listed on the shop's and products' pages; anyone signed in may claim it.
    Public,
    /// Claimed only with its `redeem_code`.
    Code,
    /// Never claimed: the shop (or a campaign) gives it to chosen buyers.
    Issued,
}

/// A template's life: claims are taken only while it is active.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum TemplateStatus {
    Active,
    /// No claims until resumed; coupons already claimed stay usable.
    Paused,
    /// No claims ever again; coupons already claimed stay usable until their window ends.
    Ended,
}

impl TemplateStatus {
    pub const fn as_str(self) -> &'static str {
        match self {
            TemplateStatus::Active => "active",
            TemplateStatus::Paused => "paused",
            TemplateStatus::Ended => "ended",
        }
    }
}

fn enum_text<T: Serialize>(value: T) -> String {
    serde_json::to_value(value).ok().and_then(|v| v.as_str().map(String::from)).unwrap_or_default()
}

fn enum_from<T: for<'de> Deserialize<'de>>(stored: &str) -> Option<T> {
    serde_json::from_value(serde_json::Value::String(stored.to_string())).ok()
}

/// A new coupon template, as a seller writes it.
#[derive(Debug, Clone, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct TemplateInput {
    pub name: String,
    pub kind: CouponKind,
    /// For `fixed`: yuan off, e.g. "20.00".
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub amount_off: Option<Money>,
    /// For `percent`: 1 to 99.
    pub percent_off: Option<i32>,
    /// For `percent`: the most it takes off.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub max_discount: Option<Money>,
    /// The eligible lines must add up to at least this (门槛); none by default.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub min_spend: Option<Money>,
    pub scope: CouponScope,
    #[serde(default)]
    pub product_ids: Vec<ProductId>,
    #[serde(default)]
    pub category_ids: Vec<CategoryId>,
    pub claim_starts_at: DateTime<Utc>,
    pub claim_ends_at: DateTime<Utc>,
    /// A fixed use window; or `valid_days` from the claim.
    pub use_starts_at: Option<DateTime<Utc>>,
    pub use_ends_at: Option<DateTime<Utc>>,
    pub valid_days: Option<i32>,
    pub total_quantity: i64,
    /// Coupons one buyer may claim in all (1 by default).
    pub per_user_limit: Option<i64>,
    /// And per China-time day.
    pub per_user_per_day: Option<i64>,
    #[serde(default)]
    pub new_customers_only: bool,
    pub visibility: Visibility,
    /// Required for `code` visibility: 4 to 32 letters or digits.
    pub redeem_code: Option<String>,
    #[serde(default)]
    pub combinable: bool,
    #[serde(default)]
    pub returned_on_refund: bool,
}

/// What may change once buyers may hold a template's coupons: nothing that changes what a held
/// coupon is worth or where it works.
#[derive(Debug, Clone, Default, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct TemplatePatch {
    pub name: Option<String>,
    /// Not below the number already claimed.
    pub total_quantity: Option<i64>,
    /// Claims may be taken for longer or shorter (not before the start).
    pub claim_ends_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TemplateView {
    pub id: CouponTemplateId,
    pub shop_id: Option<ShopId>,
    pub name: String,
    pub kind: CouponKind,
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub amount_off: Option<Money>,
    pub percent_off: Option<i32>,
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub max_discount: Option<Money>,
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub min_spend: Money,
    pub scope: CouponScope,
    pub product_ids: Vec<ProductId>,
    pub category_ids: Vec<CategoryId>,
    pub claim_starts_at: DateTime<Utc>,
    pub claim_ends_at: DateTime<Utc>,
    pub use_starts_at: Option<DateTime<Utc>>,
    pub use_ends_at: Option<DateTime<Utc>>,
    pub valid_days: Option<i32>,
    pub total_quantity: i64,
    /// Claimed so far.
    pub issued: i64,
    /// Spent on paid orders.
    pub used: i64,
    /// Taken off paid orders, in all.
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub discount_given: Money,
    /// In the shop's own list: paid orders that used it, and what they came to (their totals,
    /// refunded ones left out). Zero elsewhere.
    pub paid_orders: i64,
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub gmv: Money,
    pub per_user_limit: i64,
    pub per_user_per_day: Option<i64>,
    pub new_customers_only: bool,
    pub visibility: Visibility,
    pub combinable: bool,
    pub returned_on_refund: bool,
    pub status: TemplateStatus,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = t)]
pub(crate) struct TemplateRow {
    pub id: CouponTemplateId,
    pub shop_id: Option<ShopId>,
    pub name: String,
    pub kind: String,
    pub amount_off: i64,
    pub percent_off: i32,
    pub max_discount: Option<i64>,
    pub min_spend: i64,
    pub scope: String,
    pub scope_ids: String,
    pub claim_starts_at: NaiveDateTime,
    pub claim_ends_at: NaiveDateTime,
    pub use_starts_at: Option<NaiveDateTime>,
    pub use_ends_at: Option<NaiveDateTime>,
    pub valid_days: Option<i32>,
    pub total_quantity: i64,
    pub issued_count: i64,
    pub used_count: i64,
    pub discount_given: i64,
    pub per_user_limit: i64,
    pub per_user_per_day: Option<i64>,
    pub new_customers_only: bool,
    pub visibility: String,
    pub combinable: bool,
    pub returned_on_refund: bool,
    pub status: String,
}

impl TemplateRow {
    pub(crate) fn kind(&self) -> CouponKind {
        enum_from(&self.kind).unwrap_or(CouponKind::Fixed)
    }

    pub(crate) fn visibility(&self) -> Visibility {
        enum_from(&self.visibility).unwrap_or(Visibility::Code)
    }

    pub(crate) fn scope(&self) -> CouponScope {
        enum_from(&self.scope).unwrap_or(CouponScope::Shop)
    }

    /// The ids the scope lists (products or categories).
    pub(crate) fn scope_ids(&self) -> Vec<i64> {
        serde_json::from_str(&self.scope_ids).unwrap_or_default()
    }

    pub(crate) fn view(&self) -> TemplateView {
        let kind = self.kind();
        let scope = self.scope();
        let ids = self.scope_ids();
        let (product_ids, category_ids) = match scope {
            CouponScope::Categories => (Vec::new(), ids.into_iter().map(CategoryId).collect()),
            CouponScope::Shop => (Vec::new(), Vec::new()),
            CouponScope::Products | CouponScope::ExceptProducts => {
                (ids.into_iter().map(ProductId).collect(), Vec::new())
            }
        };
        TemplateView {
            id: self.id,
            shop_id: self.shop_id,
            name: self.name.clone(),
            kind,
            amount_off: (kind == CouponKind::Fixed).then(|| Money::from_minor(self.amount_off)),
            percent_off: (kind == CouponKind::Percent).then_some(self.percent_off),
            max_discount: self.max_discount.map(Money::from_minor),
            min_spend: Money::from_minor(self.min_spend),
            scope,
            product_ids,
            category_ids,
            claim_starts_at: self.claim_starts_at.and_utc(),
            claim_ends_at: self.claim_ends_at.and_utc(),
            use_starts_at: self.use_starts_at.map(|at| at.and_utc()),
            use_ends_at: self.use_ends_at.map(|at| at.and_utc()),
            valid_days: self.valid_days,
            total_quantity: self.total_quantity,
            issued: self.issued_count,
            used: self.used_count,
            discount_given: Money::from_minor(self.discount_given),
            paid_orders: 0,
            gmv: Money::ZERO,
            per_user_limit: self.per_user_limit,
            per_user_per_day: self.per_user_per_day,
            new_customers_only: self.new_customers_only,
            visibility: enum_from(&self.visibility).unwrap_or(Visibility::Public),
            combinable: self.combinable,
            returned_on_refund: self.returned_on_refund,
            status: enum_from(&self.status).unwrap_or(TemplateStatus::Ended),
        }
    }
}

pub(crate) fn load(conn: &mut DbConn, id: CouponTemplateId) -> Result<TemplateRow, PromotionError> {
    t::table
        .find(id)
        .select(TemplateRow::as_select())
        .first(conn)
        .optional()?
        .ok_or(PromotionError::not_found("coupon"))
}

/// Stores a checked template for `shop_id` (`None`: a platform coupon), created by `author`.
pub(crate) fn create(
    conn: &mut DbConn,
    shop_id: Option<ShopId>,
    author: UserId,
    input: &TemplateInput,
) -> Result<TemplateView, PromotionError> {
    crate::validation::check(conn, shop_id, input)?;
    let now = Utc::now().naive_utc();
    let scope_ids: Vec<i64> = match input.scope {
        CouponScope::Categories => input.category_ids.iter().map(|id| id.get()).collect(),
        _ => input.product_ids.iter().map(|id| id.get()).collect(),
    };
    let inserted = diesel::insert_into(t::table)
        .values((
            t::shop_id.eq(shop_id),
            t::name.eq(input.name.trim()),
            t::kind.eq(enum_text(input.kind)),
            t::amount_off.eq(input.amount_off.map_or(0, Money::to_minor)),
            t::percent_off.eq(input.percent_off.unwrap_or(0)),
            t::max_discount.eq(input.max_discount.map(Money::to_minor)),
            t::min_spend.eq(input.min_spend.map_or(0, Money::to_minor)),
            t::scope.eq(enum_text(input.scope)),
            t::scope_ids.eq(serde_json::to_string(&scope_ids).unwrap_or_else(|_| "[]".into())),
            t::claim_starts_at.eq(input.claim_starts_at.naive_utc()),
            t::claim_ends_at.eq(input.claim_ends_at.naive_utc()),
            t::use_starts_at.eq(input.use_starts_at.map(|at| at.naive_utc())),
            t::use_ends_at.eq(input.use_ends_at.map(|at| at.naive_utc())),
            t::valid_days.eq(input.valid_days),
            t::total_quantity.eq(input.total_quantity),
            t::issued_count.eq(0_i64),
            t::used_count.eq(0_i64),
            t::discount_given.eq(0_i64),
            t::per_user_limit.eq(input.per_user_limit.unwrap_or(1)),
            t::per_user_per_day.eq(input.per_user_per_day),
            t::new_customers_only.eq(input.new_customers_only),
            t::visibility.eq(enum_text(input.visibility)),
            t::redeem_code.eq(input.redeem_code.as_deref()),
            t::combinable.eq(input.combinable),
            t::returned_on_refund.eq(input.returned_on_refund),
            t::status.eq(TemplateStatus::Active.as_str()),
            t::created_by.eq(author),
            t::created_at.eq(now),
            t::updated_at.eq(now),
        ))
        .returning(t::id)
        .get_result::<CouponTemplateId>(conn);
    match inserted {
        Ok(id) => Ok(load(conn, id)?.view()),
        Err(diesel::result::Error::DatabaseError(diesel::result::DatabaseErrorKind::UniqueViolation, _)) => {
            Err(bazaar_core::Refusal::conflict("redeem_code_taken", "another coupon already uses this redeem code")
                .at_field("redeem_code")
                .into())
        }
        Err(err) => Err(err.into()),
    }
}

/// A shop's templates (`None`: the platform's), newest first.
pub(crate) fn of_shop(conn: &mut DbConn, shop_id: Option<ShopId>) -> Result<Vec<TemplateView>, PromotionError> {
    let rows: Vec<TemplateRow> = match shop_id {
        Some(shop) => t::table.filter(t::shop_id.eq(shop)).into_boxed(),
        None => t::table.filter(t::shop_id.is_null()).into_boxed(),
    }
    .order(t::id.desc())
    .limit(500)
    .select(TemplateRow::as_select())
    .load(conn)?;
    Ok(rows.iter().map(TemplateRow::view).collect())
}

/// A shop's public templates open for claims now (`None`: the platform's).
pub(crate) fn claimable(conn: &mut DbConn, shop_id: Option<ShopId>) -> Result<Vec<TemplateView>, PromotionError> {
    let now = Utc::now().naive_utc();
    let rows: Vec<TemplateRow> = match shop_id {
        Some(shop) => t::table.filter(t::shop_id.eq(shop)).into_boxed(),
        None => t::table.filter(t::shop_id.is_null()).into_boxed(),
    }
    .filter(t::status.eq(TemplateStatus::Active.as_str()))
    .filter(t::visibility.eq(enum_text(Visibility::Public)))
    .filter(t::claim_starts_at.le(now))
    .filter(t::claim_ends_at.gt(now))
    .filter(t::issued_count.lt(t::total_quantity))
    .order(t::id.asc())
    .select(TemplateRow::as_select())
    .load(conn)?;
    Ok(rows.iter().map(TemplateRow::view).collect())
}

pub(crate) fn update(
    conn: &mut DbConn,
    id: CouponTemplateId,
    patch: &TemplatePatch,
) -> Result<TemplateView, PromotionError> {
    let row = load(conn, id)?;
    let mut checks = FieldChecks::new();
    if let Some(wanted) = &patch.name {
        checks.check(name(wanted));
    }
    if let Some(quantity) = patch.total_quantity {
        checks.check(if quantity < row.issued_count.max(1) || quantity > 10_000_000 {
            refuse("total_quantity", "must be at least the number already claimed (and at most 10000000)")
        } else {
            Ok(())
        });
    }
    if let Some(end) = patch.claim_ends_at {
        checks.check(if end.naive_utc() <= row.claim_starts_at {
            refuse("claim_ends_at", "must be after claim_starts_at")
        } else {
            Ok(())
        });
    }
    checks.finish()?;
    let now = Utc::now().naive_utc();
    diesel::update(t::table.find(id))
        .set((
            t::name.eq(patch.name.as_deref().map_or(row.name.clone(), |name| name.trim().to_string())),
            t::total_quantity.eq(patch.total_quantity.unwrap_or(row.total_quantity)),
            t::claim_ends_at.eq(patch.claim_ends_at.map_or(row.claim_ends_at, |at| at.naive_utc())),
            t::updated_at.eq(now),
        ))
        .execute(conn)?;
    Ok(load(conn, id)?.view())
}

/// Pauses, resumes or ends claims. An ended template stays ended.
pub(crate) fn set_status(
    conn: &mut DbConn,
    id: CouponTemplateId,
    to: TemplateStatus,
) -> Result<TemplateView, PromotionError> {
    let row = load(conn, id)?;
    if row.status == TemplateStatus::Ended.as_str() && to != TemplateStatus::Ended {
        return Err(PromotionError::conflict("coupon_ended", "an ended coupon cannot be resumed"));
    }
    diesel::update(t::table.find(id))
        .set((t::status.eq(to.as_str()), t::updated_at.eq(Utc::now().naive_utc())))
        .execute(conn)?;
    Ok(load(conn, id)?.view())
}
