//! Points (积分): a ledger per buyer and a balance that moves with it in the same transaction.
//! Earned by the daily check-in (签到, one per China-time day, with a streak bonus) and on
//! completed orders; spent at checkout (100 points = 1 yuan by default, at most a share of an
//! order); given back when the order that spent them is cancelled, times out or is refunded.
//! Each (reason, reference) is recorded once, so every path may be asked twice.

use crate::PromotionError;
use bazaar_core::Money;
use bazaar_core::ids::{OrderId, UserId};
use bazaar_db::DbConn;
use bazaar_db::schema::{check_ins, point_balances, point_entries};
use chrono::{DateTime, Duration, NaiveDateTime, Utc};
use diesel::prelude::*;
use serde::Serialize;

/// How points are earned and what they are worth.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PointsRules {
    /// Points that make one yuan off at checkout.
    pub points_per_yuan: i64,
    /// The most of an order's goods points may pay, in percent.
    pub max_order_share_percent: i64,
    /// Points earned per whole yuan of a completed order.
    pub earned_per_yuan: i64,
    /// Points a daily check-in gives, and the extra every seventh day in a row.
    pub check_in: i64,
    pub weekly_streak_bonus: i64,
}

impl Default for PointsRules {
    fn default() -> Self {
        PointsRules {
            points_per_yuan: 100,
            max_order_share_percent: 50,
            earned_per_yuan: 1,
            check_in: 5,
            weekly_streak_bonus: 20,
        }
    }
}

/// Why the balance moved.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Reason {
    CheckIn,
    OrderSpent,
    OrderReturned,
    OrderEarned,
    RefundReturned,
    DrawPrize,
    DrawChance,
}

impl Reason {
    const fn as_str(self) -> &'static str {
        match self {
            Reason::CheckIn => "check_in",
            Reason::OrderSpent => "order_spent",
            Reason::OrderReturned => "order_returned",
            Reason::OrderEarned => "order_earned",
            Reason::RefundReturned => "refund_returned",
            Reason::DrawPrize => "draw_prize",
            Reason::DrawChance => "draw_chance",
        }
    }
}

#[derive(Debug, Clone, Serialize, Queryable)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PointsEntry {
    pub id: i64,
    pub delta: i64,
    pub balance_after: i64,
    /// `check_in`, `order_spent`, `order_returned` or `order_earned`.
    pub reason: String,
    /// The day of a check-in, the order of the others.
    pub reference: String,
    #[serde(serialize_with = "bazaar_core::clock::as_utc")]
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub created_at: NaiveDateTime,
}

#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PointsView {
    pub balance: i64,
    /// The newest changes first (at most 100).
    pub items: Vec<PointsEntry>,
}

#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CheckIn {
    /// The China-time day checked in.
    pub day: String,
    /// Days in a row, this one included.
    pub streak: i32,
    pub points: i64,
    /// False when this day was already checked in (nothing more was given).
    pub new: bool,
    pub balance: i64,
    pub at: DateTime<Utc>,
}

fn balance_of(conn: &mut DbConn, user: UserId) -> Result<i64, PromotionError> {
    Ok(point_balances::table.find(user).select(point_balances::balance).first(conn).optional()?.unwrap_or(0))
}

/// Moves `user`'s balance by `delta` for (`reason`, `reference`) unless that was recorded already
/// (false then). A negative delta needs the balance to cover it.
fn record(
    conn: &mut DbConn,
    user: UserId,
    delta: i64,
    reason: Reason,
    reference: &str,
) -> Result<bool, PromotionError> {
    let recorded: Option<i64> = point_entries::table
        .filter(point_entries::user_id.eq(user))
        .filter(point_entries::reason.eq(reason.as_str()))
        .filter(point_entries::reference.eq(reference))
        .select(point_entries::id)
        .first(conn)
        .optional()?;
    if recorded.is_some() {
        return Ok(false);
    }
    // The portable upsert; the values are ours (an id).
    diesel::sql_query(format!(
        "INSERT INTO point_balances (user_id, balance) VALUES ({user}, 0) ON CONFLICT DO NOTHING"
    ))
    .execute(conn)?;
    let balance_after: i64 = diesel::update(point_balances::table.find(user))
        .filter(point_balances::balance.ge(-delta.min(0)))
        .set(point_balances::balance.eq(point_balances::balance + delta))
        .returning(point_balances::balance)
        .get_result(conn)
        .optional()?
        .ok_or_else(|| PromotionError::invalid("points", "is more than your points balance"))?;
    // Two requests for one (reason, reference) racing past the check above: the unique key lets
    // one commit and fails the other's whole transaction, balance change included.
    diesel::insert_into(point_entries::table)
        .values((
            point_entries::user_id.eq(user),
            point_entries::delta.eq(delta),
            point_entries::balance_after.eq(balance_after),
            point_entries::reason.eq(reason.as_str()),
            point_entries::reference.eq(reference),
            point_entries::created_at.eq(Utc::now().naive_utc()),
        ))
        .execute(conn)?;
    Ok(true)
}

/// Today's check-in for `user`: once per China-time day, however often it is asked.
pub(crate) fn check_in(conn: &mut DbConn, user: UserId, rules: &PointsRules) -> Result<CheckIn, PromotionError> {
    let now = Utc::now().naive_utc();
    let today = bazaar_core::clock::china_time(now).date();
    let yesterday = (today - Duration::days(1)).to_string();
    let previous: Option<i32> = check_ins::table
        .filter(check_ins::user_id.eq(user))
        .filter(check_ins::day.eq(&yesterday))
        .select(check_ins::streak)
        .first(conn)
        .optional()?;
    let streak = previous.map_or(1, |streak| streak.saturating_add(1));
    let points = rules.check_in + if streak % 7 == 0 { rules.weekly_streak_bonus } else { 0 };
    let day = today.to_string();
    // One row per day under its primary key; a second check-in the same day inserts nothing.
    let inserted = diesel::sql_query(format!(
        "INSERT INTO check_ins (user_id, day, streak, points, created_at) VALUES ({user}, '{day}', {streak}, {points}, '{}') \
         ON CONFLICT DO NOTHING",
        now.format("%Y-%m-%d %H:%M:%S%.6f")
    ))
    .execute(conn)?;
    if inserted == 1 {
        record(conn, user, points, Reason::CheckIn, &day)?;
    }
    let (streak, points, at): (i32, i64, NaiveDateTime) = check_ins::table
        .find((user, &day))
        .select((check_ins::streak, check_ins::points, check_ins::created_at))
        .first(conn)?;
    Ok(CheckIn { day, streak, points, new: inserted == 1, balance: balance_of(conn, user)?, at: at.and_utc() })
}

pub(crate) fn view(conn: &mut DbConn, user: UserId) -> Result<PointsView, PromotionError> {
    let items = point_entries::table
        .filter(point_entries::user_id.eq(user))
        .order(point_entries::id.desc())
        .limit(100)
        .select((
            point_entries::id,
            point_entries::delta,
            point_entries::balance_after,
            point_entries::reason,
            point_entries::reference,
            point_entries::created_at,
        ))
        .load::<PointsEntry>(conn)?;
    // The balance from the same read as the entries: the newest entry's `balance_after` (every
    // change writes the balance and its entry in one transaction). Reading the balance row in a
    // second statement could see a change the first did not, and show a balance its own ledger
    // does not add up to.
    let balance = items.first().map_or(0, |newest| newest.balance_after);
    Ok(PointsView { balance, items })
}

/// Whether `user` holds `points`, for the preview (placing takes them by conditional update).
pub fn ensure_balance(conn: &mut DbConn, user: UserId, points: i64) -> Result<(), PromotionError> {
    if balance_of(conn, user)? < points {
        return Err(PromotionError::invalid("points", "is more than your points balance"));
    }
    Ok(())
}

/// Takes the points a new order spends, inside its transaction.
pub fn spend_points(conn: &mut DbConn, user: UserId, order: OrderId, points: i64) -> Result<(), PromotionError> {
    if points > 0 {
        record(conn, user, -points, Reason::OrderSpent, &order.to_string())?;
    }
    Ok(())
}

/// The order was cancelled, timed out or refunded: what it spent comes back, once.
pub fn return_points(conn: &mut DbConn, order: OrderId) -> Result<(), PromotionError> {
    let spent: Option<(UserId, i64)> = point_entries::table
        .filter(point_entries::reason.eq(Reason::OrderSpent.as_str()))
        .filter(point_entries::reference.eq(order.to_string()))
        .select((point_entries::user_id, point_entries::delta))
        .first(conn)
        .optional()?;
    if let Some((user, delta)) = spent {
        record(conn, user, -delta, Reason::OrderReturned, &order.to_string())?;
    }
    Ok(())
}

/// The points `order` spent (0 when none).
pub fn points_spent_on(conn: &mut DbConn, order: OrderId) -> Result<i64, PromotionError> {
    let spent: Option<i64> = point_entries::table
        .filter(point_entries::reason.eq(Reason::OrderSpent.as_str()))
        .filter(point_entries::reference.eq(order.to_string()))
        .select(point_entries::delta)
        .first(conn)
        .optional()?;
    Ok(spent.map_or(0, |delta| -delta))
}

/// A refund (`refund`: its request, as text) gave back `points` of what `user` spent, once.
pub fn return_refunded_points(
    conn: &mut DbConn,
    user: UserId,
    refund: &str,
    points: i64,
) -> Result<(), PromotionError> {
    if points > 0 {
        record(conn, user, points, Reason::RefundReturned, refund)?;
    }
    Ok(())
}

/// The order completed (no refund can follow): the buyer earns points on what they paid, once.
pub fn earn_points(
    conn: &mut DbConn,
    user: UserId,
    order: OrderId,
    paid: Money,
    rules: &PointsRules,
) -> Result<(), PromotionError> {
    let earned = paid.to_minor() / 100 * rules.earned_per_yuan;
    if earned > 0 {
        record(conn, user, earned, Reason::OrderEarned, &order.to_string())?;
    }
    Ok(())
}

/// Gives `points` won in a lucky draw, once per play (`reference`), inside the play's transaction.
pub fn award_prize_points(conn: &mut DbConn, user: UserId, points: i64, reference: &str) -> Result<(), PromotionError> {
    if points > 0 {
        record(conn, user, points, Reason::DrawPrize, reference)?;
    }
    Ok(())
}

/// Takes `points` for a chance to play a draw, once per `reference`, inside the caller's
/// transaction; refused (nothing taken) when the balance does not cover them. False when that
/// reference was paid already.
pub fn spend_points_for_chance(
    conn: &mut DbConn,
    user: UserId,
    points: i64,
    reference: &str,
) -> Result<bool, PromotionError> {
    if points <= 0 {
        return Err(PromotionError::invalid("points", "must be more than 0"));
    }
    record(conn, user, -points, Reason::DrawChance, reference)
}
