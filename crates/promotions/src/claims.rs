//! Claiming coupons into a buyer's wallet (领券), and the wallet itself. Every limit moves the way
//! stock does: the template's issued count by a conditional update against its quantity, the
//! buyer's claims by a row per (template, buyer, day) under its primary key and a conditional
//! update against the limit, all in the claim's one transaction; a refusal rolls all of it back.

use crate::PromotionError;
use crate::templates::{self, TemplateRow, TemplateStatus, TemplateView, Visibility};
use bazaar_core::ids::{CouponId, CouponTemplateId, OrderId, ShopId, UserId};
use bazaar_db::DbConn;
use bazaar_db::schema::{coupon_claim_counts as counts, coupon_templates as t, coupons, shop_customers as customers};
use chrono::{DateTime, Duration, NaiveDateTime, Utc};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};

/// The state of a coupon in a wallet.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum CouponStatus {
    Unused,
    /// Held by an order waiting for payment; back to unused if that order is cancelled.
    Locked,
    Used,
    /// Given back by a refund (the template said so) — usable again, like unused.
    Returned,
    Expired,
}

impl CouponStatus {
    pub const fn as_str(self) -> &'static str {
        match self {
            CouponStatus::Unused => "unused",
            CouponStatus::Locked => "locked",
            CouponStatus::Used => "used",
            CouponStatus::Returned => "returned",
            CouponStatus::Expired => "expired",
        }
    }

    fn parse(stored: &str) -> CouponStatus {
        match stored {
            "unused" => CouponStatus::Unused,
            "locked" => CouponStatus::Locked,
            "used" => CouponStatus::Used,
            "returned" => CouponStatus::Returned,
            _ => CouponStatus::Expired,
        }
    }

    /// The states a coupon can be spent from.
    pub(crate) const SPENDABLE: [&'static str; 2] = [CouponStatus::Unused.as_str(), CouponStatus::Returned.as_str()];
}

/// One coupon in the wallet, with what it is worth.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct WalletCoupon {
    pub id: CouponId,
    pub status: CouponStatus,
    pub valid_from: DateTime<Utc>,
    pub valid_until: DateTime<Utc>,
    /// The order holding or having spent it.
    pub order_id: Option<OrderId>,
    /// With `for_cart=true`: whether the cart as it is now would take it off.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub usable_for_cart: Option<bool>,
    /// With `for_cart=true`, when it would not: why.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub why_not: Option<String>,
    pub template: TemplateView,
}

fn refused(code: &'static str, message: &str) -> PromotionError {
    PromotionError::conflict(code, message)
}

/// Counts one more claim of `template` by `buyer` on `day` ('' for all time), refused past `limit`.
fn count_claim(
    conn: &mut DbConn,
    template: CouponTemplateId,
    buyer: UserId,
    day: &str,
    limit: i64,
) -> Result<bool, PromotionError> {
    // The one portable upsert: both backends take `ON CONFLICT DO NOTHING` (diesel's builder does
    // not offer it across backends). Every value is ours: two ids and a date we formatted.
    let first = diesel::sql_query(format!(
        "INSERT INTO coupon_claim_counts (template_id, user_id, day, claimed) VALUES ({template}, {buyer}, '{day}', 1) \
         ON CONFLICT DO NOTHING"
    ))
    .execute(conn)?;
    if first == 1 {
        return Ok(true);
    }
    let counted = diesel::update(counts::table.find((template, buyer, day)))
        .filter(counts::claimed.lt(limit))
        .set(counts::claimed.eq(counts::claimed + 1))
        .execute(conn)?;
    Ok(counted == 1)
}

/// Whether `buyer` has ever paid for an order from `shop` (`None`: from any shop, for platform
/// coupons); a new customer has not. Asked of promotions' own record, which checkout keeps through
/// [`record_customer`].
pub(crate) fn has_bought(conn: &mut DbConn, buyer: UserId, shop: Option<ShopId>) -> Result<bool, PromotionError> {
    let mut paid = customers::table.filter(customers::user_id.eq(buyer)).select(customers::shop_id).into_boxed();
    if let Some(shop) = shop {
        paid = paid.filter(customers::shop_id.eq(shop));
    }
    let paid: Option<ShopId> = paid.first(conn).optional()?;
    Ok(paid.is_some())
}

/// Records that `buyer` has paid for an order of `shop` (once: a later order changes nothing),
/// inside the transaction that records the payment.
pub fn record_customer(conn: &mut DbConn, buyer: UserId, shop: ShopId) -> Result<(), PromotionError> {
    // The portable upsert, as for claim counts: every value is ours (two ids and a time we format).
    let now = Utc::now().naive_utc().format("%Y-%m-%d %H:%M:%S%.6f");
    diesel::sql_query(format!(
        "INSERT INTO shop_customers (user_id, shop_id, first_paid_at) VALUES ({buyer}, {shop}, '{now}') \
         ON CONFLICT DO NOTHING"
    ))
    .execute(conn)?;
    Ok(())
}

/// What giving a coupon to one phone number came to.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Issued {
    pub phone: String,
    /// The coupon now in that buyer's wallet.
    pub coupon_id: Option<CouponId>,
    /// Otherwise the stable code of the refusal (`not_found`, `claim_limit_reached`,
    /// `coupon_sold_out`, `coupon_not_claimable`, `new_customers_only`, `invalid_field`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub refused: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
}

/// How a coupon reaches a wallet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClaimedBy {
    /// The buyer claimed it from a shop or product page.
    Buyer,
    /// The buyer typed its redeem code.
    Code,
    /// The shop (or a campaign) gave it to the buyer.
    Issuer,
}

/// Claims one coupon of `template` for `buyer`, within its window, quantity and per-buyer
/// limits; `how` must be one its visibility allows.
pub(crate) fn claim(
    conn: &mut DbConn,
    buyer: UserId,
    template: &TemplateRow,
    how: ClaimedBy,
) -> Result<WalletCoupon, PromotionError> {
    // A code coupon is not there for someone who does not know the code, nor an issued one for
    // anyone but its issuer; an issuer may give any of its coupons.
    let visible = match (template.visibility(), how) {
        (_, ClaimedBy::Issuer) => true,
        (Visibility::Public, _) => true,
        (Visibility::Code, ClaimedBy::Code) => true,
        (Visibility::Code | Visibility::Issued, _) => false,
    };
    if !visible {
        return Err(PromotionError::not_found("coupon"));
    }
    let now = Utc::now().naive_utc();
    if template.status != TemplateStatus::Active.as_str()
        || now < template.claim_starts_at
        || now >= template.claim_ends_at
    {
        return Err(refused("coupon_not_claimable", "this coupon cannot be claimed now"));
    }
    if template.new_customers_only && has_bought(conn, buyer, template.shop_id)? {
        return Err(refused(
            "new_customers_only",
            "this coupon is for customers who have not ordered from the shop yet",
        ));
    }
    // The quantity first: the row lock it takes queues concurrent claims of this template.
    let issued = diesel::update(t::table.find(template.id))
        .filter(t::status.eq(TemplateStatus::Active.as_str()))
        .filter(t::issued_count.lt(t::total_quantity))
        .set(t::issued_count.eq(t::issued_count + 1))
        .execute(conn)?;
    if issued == 0 {
        return Err(refused("coupon_sold_out", "all of these coupons have been claimed"));
    }
    if !count_claim(conn, template.id, buyer, "", template.per_user_limit)? {
        return Err(refused("claim_limit_reached", "you already hold as many of these coupons as one buyer may"));
    }
    if let Some(per_day) = template.per_user_per_day
        && !count_claim(conn, template.id, buyer, &bazaar_core::clock::china_time(now).date().to_string(), per_day)?
    {
        return Err(refused("claim_limit_reached", "you have claimed as many of these coupons as one buyer may today"));
    }
    let (valid_from, valid_until) = match (template.use_starts_at, template.use_ends_at, template.valid_days) {
        (Some(start), Some(end), _) => (start, end),
        (_, _, Some(days)) => (now, now + Duration::days(i64::from(days))),
        _ => (now, now),
    };
    let id: CouponId = diesel::insert_into(coupons::table)
        .values((
            coupons::template_id.eq(template.id),
            coupons::user_id.eq(buyer),
            coupons::status.eq(CouponStatus::Unused.as_str()),
            coupons::valid_from.eq(valid_from),
            coupons::valid_until.eq(valid_until),
            coupons::claimed_at.eq(now),
        ))
        .returning(coupons::id)
        .get_result(conn)?;
    let template = templates::load(conn, template.id)?;
    Ok(WalletCoupon {
        id,
        status: CouponStatus::Unused,
        valid_from: valid_from.and_utc(),
        valid_until: valid_until.and_utc(),
        order_id: None,
        usable_for_cart: None,
        why_not: None,
        template: template.view(),
    })
}

pub(crate) fn by_code(conn: &mut DbConn, code: &str) -> Result<TemplateRow, PromotionError> {
    let id: Option<CouponTemplateId> =
        t::table.filter(t::redeem_code.eq(code.trim())).select(t::id).first(conn).optional()?;
    templates::load(conn, id.ok_or(PromotionError::not_found("coupon"))?)
}

/// Which coupons a wallet listing shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum WalletFilter {
    /// Spendable now or later (unused or returned, within or before their window), soonest to expire first.
    Usable,
    /// Held by an unpaid order, or spent.
    Used,
    /// Past their window unspent.
    Expired,
}

/// A buyer's coupons: usable ones soonest-to-expire first, the others newest first.
pub(crate) fn wallet(
    conn: &mut DbConn,
    buyer: UserId,
    filter: WalletFilter,
) -> Result<Vec<WalletCoupon>, PromotionError> {
    Ok(wallet_with_templates(conn, buyer, filter)?.into_iter().map(|(coupon, _)| coupon).collect())
}

/// [`wallet`], each coupon with its template's stored row (for judging it against a cart).
pub(crate) fn wallet_with_templates(
    conn: &mut DbConn,
    buyer: UserId,
    filter: WalletFilter,
) -> Result<Vec<(WalletCoupon, TemplateRow)>, PromotionError> {
    let now = Utc::now().naive_utc();
    let base = coupons::table.inner_join(t::table).filter(coupons::user_id.eq(buyer)).into_boxed();
    let query = match filter {
        WalletFilter::Usable => base
            .filter(coupons::status.eq_any(CouponStatus::SPENDABLE))
            .filter(coupons::valid_until.gt(now))
            .order((coupons::valid_until.asc(), coupons::id.asc())),
        WalletFilter::Used => base
            .filter(coupons::status.eq_any([CouponStatus::Locked.as_str(), CouponStatus::Used.as_str()]))
            .order(coupons::id.desc()),
        WalletFilter::Expired => base
            .filter(
                coupons::status
                    .eq(CouponStatus::Expired.as_str())
                    .or(coupons::status.eq_any(CouponStatus::SPENDABLE).and(coupons::valid_until.le(now))),
            )
            .order(coupons::id.desc()),
    };
    type Row = (CouponId, String, NaiveDateTime, NaiveDateTime, Option<OrderId>, TemplateRow);
    let rows: Vec<Row> = query
        .limit(200)
        .select((
            coupons::id,
            coupons::status,
            coupons::valid_from,
            coupons::valid_until,
            coupons::order_id,
            TemplateRow::as_select(),
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(id, status, valid_from, valid_until, order_id, template)| {
            let status = match CouponStatus::parse(&status) {
                CouponStatus::Unused | CouponStatus::Returned if valid_until <= now => CouponStatus::Expired,
                other => other,
            };
            let coupon = WalletCoupon {
                id,
                status,
                valid_from: valid_from.and_utc(),
                valid_until: valid_until.and_utc(),
                order_id,
                usable_for_cart: None,
                why_not: None,
                template: template.view(),
            };
            (coupon, template)
        })
        .collect())
}

/// Gives one coupon of `template` to `buyer` from its issuer (a campaign's landing page, a
/// draw's prize), inside the caller's transaction, within the template's window, quantity and
/// per-buyer limits like any claim.
pub fn issue_coupon(
    conn: &mut DbConn,
    buyer: UserId,
    template: CouponTemplateId,
) -> Result<WalletCoupon, PromotionError> {
    let template = templates::load(conn, template)?;
    claim(conn, buyer, &template, ClaimedBy::Issuer)
}

/// The shop a coupon template belongs to (`Some(None)`: the platform's; `None`: no such
/// template), for an issuer checking it may hand the coupon out.
pub fn coupon_issuer(conn: &mut DbConn, template: CouponTemplateId) -> Result<Option<Option<ShopId>>, PromotionError> {
    Ok(t::table.find(template).select(t::shop_id).get_result(conn).optional()?)
}
