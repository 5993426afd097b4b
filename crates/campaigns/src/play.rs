//! Playing a draw: chances earned once per (source, key) under a unique index and used once by a
//! conditional update; the prize's stock taken by a conditional decrement; the prize given in
//! the same transaction (a coupon into the wallet, points into the ledger, an item to ship).
//! A retried play (same `Idempotency-Key`) returns the first play's outcome.

use crate::draws::{self, Audience, DrawRow, PrizeKind, PrizeRow};
use crate::{CampaignError, outcome};
use bazaar_core::ids::{CouponId, DrawId, PlacementId, PlayId, PrizeId, UserId};
use bazaar_db::DbConn;
use bazaar_db::schema::{draw_chances as dc, draw_plays as pl, draw_prizes as dp};
use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;
use serde::Serialize;

/// What a play came to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum Outcome {
    /// A prize was won.
    Won,
    /// The roll drew "no prize": the consolation.
    NoPrize,
    /// The roll drew a prize with none left (or a coupon no longer given, or a spent points
    /// budget): the consolation instead, never another prize.
    SoldOut,
}

impl Outcome {
    pub const fn as_str(self) -> &'static str {
        match self {
            Outcome::Won => "won",
            Outcome::NoPrize => "no_prize",
            Outcome::SoldOut => "sold_out",
        }
    }

    pub fn parse(stored: &str) -> Option<Outcome> {
        [Outcome::Won, Outcome::NoPrize, Outcome::SoldOut].into_iter().find(|o| o.as_str() == stored)
    }
}

/// What became of a won prize.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum Fulfilment {
    /// Nothing to give (no prize).
    None,
    /// In the wallet or the ledger.
    Given,
    /// An item waiting for the winner's address.
    ToClaim,
    /// An item the shop is to ship.
    ToShip,
    /// An item the shop has sent (with its tracking number).
    Sent,
    /// An item waiting at the shop for its winner's pickup code.
    ToPickUp,
    /// An item the winner has collected.
    PickedUp,
}

impl Fulfilment {
    pub const fn as_str(self) -> &'static str {
        match self {
            Fulfilment::None => "none",
            Fulfilment::Given => "given",
            Fulfilment::ToClaim => "to_claim",
            Fulfilment::ToShip => "to_ship",
            Fulfilment::Sent => "sent",
            Fulfilment::ToPickUp => "to_pick_up",
            Fulfilment::PickedUp => "picked_up",
        }
    }

    pub fn parse(stored: &str) -> Option<Fulfilment> {
        [
            Fulfilment::None,
            Fulfilment::Given,
            Fulfilment::ToClaim,
            Fulfilment::ToShip,
            Fulfilment::Sent,
            Fulfilment::ToPickUp,
            Fulfilment::PickedUp,
        ]
        .into_iter()
        .find(|f| f.as_str() == stored)
    }
}

#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PlayView {
    pub id: PlayId,
    pub draw_id: DrawId,
    pub outcome: Outcome,
    /// The prize given (none for the consolation).
    pub prize_id: Option<PrizeId>,
    pub prize_name: Option<String>,
    pub prize_kind: Option<PrizeKind>,
    /// The draw's consolation text, when no prize was given.
    pub consolation: Option<String>,
    pub fulfilment: Fulfilment,
    pub coupon_id: Option<CouponId>,
    pub points: Option<i64>,
    /// Unused chances left after this play.
    pub chances_left: i64,
    /// An item to collect at the shop: the code the winner shows there.
    pub pickup_code: Option<String>,
    pub played_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = pl)]
pub(crate) struct PlayRow {
    pub id: PlayId,
    pub draw_id: DrawId,
    pub user_id: UserId,
    pub drawn_prize_id: Option<PrizeId>,
    pub prize_id: Option<PrizeId>,
    pub outcome: String,
    pub fulfilment: String,
    pub coupon_id: Option<CouponId>,
    pub created_at: NaiveDateTime,
    pub pickup_code: Option<String>,
}

/// Grants one chance (`source`, `key`) unless granted already. The values are ours (a source
/// name, numbers and a date), never a client's text.
fn grant(conn: &mut DbConn, draw: DrawId, user: UserId, source: &str, key: &str) -> Result<(), CampaignError> {
    debug_assert!(key.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b':' || b == b'#'));
    let now = Utc::now().naive_utc().format("%Y-%m-%d %H:%M:%S%.6f");
    diesel::sql_query(format!(
        "INSERT INTO draw_chances (draw_id, user_id, source, source_key, granted_at) \
         VALUES ({draw}, {user}, '{source}', '{key}', '{now}') ON CONFLICT DO NOTHING"
    ))
    .execute(conn)?;
    Ok(())
}

/// Grants what the passing of time and paid orders have earned: today's free chances and one per
/// qualifying paid order (each once, whoever asks first).
fn grant_earned(conn: &mut DbConn, draw: &DrawRow, user: UserId, now: NaiveDateTime) -> Result<(), CampaignError> {
    let day = bazaar_core::clock::china_day(now);
    // Today's free chances are granted together, so finding the last one means all are there:
    // one indexed read on every play but the day's first.
    let last = format!("{day}#{}", draw.daily_free_chances);
    let granted_today = draw.daily_free_chances == 0
        || diesel::select(diesel::dsl::exists(
            dc::table
                .filter(dc::draw_id.eq(draw.id))
                .filter(dc::user_id.eq(user))
                .filter(dc::source.eq("daily"))
                .filter(dc::source_key.eq(&last)),
        ))
        .get_result(conn)?;
    if !granted_today {
        for n in 1..=draw.daily_free_chances {
            grant(conn, draw.id, user, "daily", &format!("{day}#{n}"))?;
        }
    }
    if let (Some(min), Some(shop)) = (draw.order_min_amount, draw.shop_id) {
        for order in bazaar_checkout::paid_orders(conn, user, Some(shop), draw.starts_at)? {
            if order.total.to_minor() >= min {
                grant(conn, draw.id, user, "order", &order.id.to_string())?;
            }
        }
    }
    Ok(())
}

fn unused_chances(conn: &mut DbConn, draw: DrawId, user: UserId) -> Result<i64, CampaignError> {
    Ok(dc::table
        .filter(dc::draw_id.eq(draw))
        .filter(dc::user_id.eq(user))
        .filter(dc::used_at.is_null())
        .count()
        .get_result(conn)?)
}

/// Uses one unused chance: each candidate is taken by a conditional update, so two plays racing
/// for one chance cannot both have it.
fn take_chance(
    conn: &mut DbConn,
    draw: DrawId,
    user: UserId,
    now: NaiveDateTime,
) -> Result<Option<i64>, CampaignError> {
    for _ in 0..3 {
        let candidates: Vec<i64> = dc::table
            .filter(dc::draw_id.eq(draw))
            .filter(dc::user_id.eq(user))
            .filter(dc::used_at.is_null())
            .order(dc::id)
            .limit(4)
            .select(dc::id)
            .load(conn)?;
        if candidates.is_empty() {
            return Ok(None);
        }
        for id in candidates {
            let taken = diesel::update(dc::table.find(id))
                .filter(dc::used_at.is_null())
                .set(dc::used_at.eq(now))
                .execute(conn)?;
            if taken == 1 {
                return Ok(Some(id));
            }
        }
    }
    Ok(None)
}

fn may_play(conn: &mut DbConn, draw: &DrawRow, user: UserId) -> Result<(), CampaignError> {
    let allowed = match (Audience::parse(&draw.audience).unwrap_or(Audience::Everyone), draw.shop_id) {
        (Audience::Everyone, _) => true,
        (Audience::Followers, Some(shop)) => bazaar_catalog::follows(conn, user, shop)?,
        // Refused when a platform draw is written: nobody follows the platform.
        (Audience::Followers, None) => false,
        // A platform draw's buyers bought in any shop.
        (Audience::Buyers, shop) => {
            !bazaar_checkout::paid_orders(conn, user, shop, chrono::DateTime::UNIX_EPOCH.naive_utc())?.is_empty()
        }
    };
    if allowed {
        Ok(())
    } else {
        Err(CampaignError::forbidden(match draw.audience.as_str() {
            "followers" => "this draw is for the shop's followers: follow the shop to play",
            _ => "this draw is for the shop's buyers",
        }))
    }
}

fn running(draw: &DrawRow, now: NaiveDateTime) -> Result<(), CampaignError> {
    match draw.state(now) {
        draws::DrawState::Upcoming => Err(CampaignError::conflict("draw_not_started", "this draw has not started")),
        draws::DrawState::Ended => Err(CampaignError::conflict("draw_ended", "this draw has ended")),
        draws::DrawState::Running => Ok(()),
    }
}

/// Takes the drawn prize's stock and gives it, all or nothing (a savepoint): `None` when there
/// was none left, the coupon could not be given, or the campaign's points budget is spent.
fn give(
    conn: &mut DbConn,
    draw: &DrawRow,
    prize: &PrizeRow,
    user: UserId,
    play: PlayId,
) -> Result<Option<(Fulfilment, Option<CouponId>)>, CampaignError> {
    let attempt = conn.transaction::<_, CampaignError, _>(|conn| {
        let taken = if prize.stock.is_some() {
            diesel::update(dp::table.find(prize.id))
                .filter(dp::remaining.ge(1))
                .set((dp::remaining.eq(dp::remaining - 1), dp::won.eq(dp::won + 1)))
                .execute(conn)?
        } else {
            diesel::update(dp::table.find(prize.id)).set(dp::won.eq(dp::won + 1)).execute(conn)?
        };
        if taken == 0 {
            return Err(CampaignError::conflict("prize_gone", "none left"));
        }
        match prize.kind() {
            PrizeKind::None => Ok((Fulfilment::None, None)),
            PrizeKind::Points => {
                let points = prize.points.unwrap_or(0);
                if let Some(campaign) = draw.campaign_id
                    && !crate::campaigns::take_points_budget(conn, campaign, points)?
                {
                    return Err(CampaignError::conflict("prize_gone", "the campaign's points are spent"));
                }
                bazaar_promotions::award_prize_points(conn, user, points, &format!("draw_play:{play}"))?;
                Ok((Fulfilment::Given, None))
            }
            PrizeKind::Coupon => {
                let template = prize.coupon_template_id.ok_or(CampaignError::conflict("prize_gone", "no coupon"))?;
                let coupon = bazaar_promotions::issue_coupon(conn, user, template)?;
                Ok((Fulfilment::Given, Some(coupon.id)))
            }
            PrizeKind::Item if prize.pickup => Ok((Fulfilment::ToPickUp, None)),
            PrizeKind::Item => Ok((Fulfilment::ToClaim, None)),
        }
    });
    match attempt {
        Ok(given) => Ok(Some(given)),
        // A refusal (none left, the coupon's quantity or limits, the budget) falls back to the
        // consolation; an outage or a bug still fails the whole play.
        Err(CampaignError::Refused(_)) => Ok(None),
        Err(CampaignError::Promotions(err))
            if matches!(bazaar_core::Classify::classify(&*err), bazaar_core::Failure::Refused(_)) =>
        {
            Ok(None)
        }
        Err(other) => Err(other),
    }
}

/// One play of `draw` by `user` under `key`, inside the caller's write transaction.
pub(crate) fn play(conn: &mut DbConn, id: DrawId, user: UserId, key: &str) -> Result<PlayView, CampaignError> {
    let now = Utc::now().naive_utc();
    let draw = draws::load(conn, id)?;
    if let Some(done) = by_key(conn, id, user, key)? {
        return play_view(conn, &draw, done);
    }
    running(&draw, now)?;
    may_play(conn, &draw, user)?;
    grant_earned(conn, &draw, user, now)?;
    let chance = take_chance(conn, id, user, now)?.ok_or_else(|| {
        CampaignError::conflict("no_chances", "you have no chance to play left: come back tomorrow or earn one")
    })?;
    let play: PlayId = diesel::insert_into(pl::table)
        .values((
            pl::draw_id.eq(id),
            pl::user_id.eq(user),
            pl::idempotency_key.eq(key),
            pl::chance_id.eq(chance),
            pl::outcome.eq(Outcome::NoPrize.as_str()),
            pl::fulfilment.eq(Fulfilment::None.as_str()),
            pl::created_at.eq(now),
        ))
        .returning(pl::id)
        .get_result(conn)?;
    let prizes = draws::prizes(conn, id)?;
    let weights: Vec<i64> = prizes.iter().map(|p| p.weight).collect();
    let drawn = outcome::roll(&draw.seed, id, play, user)
        .and_then(|roll| outcome::pick(roll, &weights))
        .and_then(|at| prizes.get(at))
        .ok_or_else(|| CampaignError::conflict("draw_has_no_prizes", "this draw has no prize to draw"))?;
    let (outcome, fulfilment, coupon) = match give(conn, &draw, drawn, user, play)? {
        Some((_, _)) if drawn.kind() == PrizeKind::None => (Outcome::NoPrize, Fulfilment::None, None),
        Some((fulfilment, coupon)) => (Outcome::Won, fulfilment, coupon),
        None => (Outcome::SoldOut, Fulfilment::None, None),
    };
    let given = (outcome == Outcome::Won).then_some(drawn.id);
    let pickup_code = (fulfilment == Fulfilment::ToPickUp).then(new_pickup_code);
    diesel::update(pl::table.find(play))
        .set((
            pl::drawn_prize_id.eq(drawn.id),
            pl::prize_id.eq(given),
            pl::outcome.eq(outcome.as_str()),
            pl::fulfilment.eq(fulfilment.as_str()),
            pl::coupon_id.eq(coupon),
            pl::pickup_code.eq(&pickup_code),
        ))
        .execute(conn)?;
    Ok(PlayView {
        id: play,
        draw_id: id,
        outcome,
        prize_id: given,
        prize_name: given.map(|_| drawn.name.clone()),
        prize_kind: given.map(|_| drawn.kind()),
        consolation: (outcome != Outcome::Won).then(|| draw.consolation.clone()),
        fulfilment,
        coupon_id: coupon,
        points: given.and(drawn.points).filter(|_| drawn.kind() == PrizeKind::Points),
        chances_left: unused_chances(conn, id, user)?,
        pickup_code,
        played_at: now.and_utc(),
    })
}

/// The code a winner shows at the shop to collect an item: eight random digits.
fn new_pickup_code() -> String {
    use rand::Rng;
    format!("{:08}", rand::rng().random_range(0..100_000_000))
}

fn by_key(conn: &mut DbConn, draw: DrawId, user: UserId, key: &str) -> Result<Option<PlayRow>, CampaignError> {
    Ok(pl::table
        .filter(pl::draw_id.eq(draw))
        .filter(pl::user_id.eq(user))
        .filter(pl::idempotency_key.eq(key))
        .select(PlayRow::as_select())
        .get_result(conn)
        .optional()?)
}

fn play_view(conn: &mut DbConn, draw: &DrawRow, row: PlayRow) -> Result<PlayView, CampaignError> {
    let prize: Option<PrizeRow> = match row.prize_id {
        Some(prize) => dp::table.find(prize).select(PrizeRow::as_select()).get_result(conn).optional()?,
        None => None,
    };
    let outcome = Outcome::parse(&row.outcome).unwrap_or(Outcome::NoPrize);
    Ok(PlayView {
        id: row.id,
        draw_id: row.draw_id,
        outcome,
        prize_id: prize.as_ref().map(|p| p.id),
        prize_name: prize.as_ref().map(|p| p.name.clone()),
        prize_kind: prize.as_ref().map(PrizeRow::kind),
        consolation: (outcome != Outcome::Won).then(|| draw.consolation.clone()),
        fulfilment: Fulfilment::parse(&row.fulfilment).unwrap_or(Fulfilment::None),
        coupon_id: row.coupon_id,
        points: prize.as_ref().filter(|p| p.kind() == PrizeKind::Points).and_then(|p| p.points),
        chances_left: unused_chances(conn, draw.id, row.user_id)?,
        pickup_code: row.pickup_code,
        played_at: row.created_at.and_utc(),
    })
}

/// The caller's chances: what has been earned so far is granted first.
pub(crate) fn chances(conn: &mut DbConn, id: DrawId, user: UserId) -> Result<i64, CampaignError> {
    let now = Utc::now().naive_utc();
    let draw = draws::load(conn, id)?;
    if draw.state(now) == draws::DrawState::Running {
        grant_earned(conn, &draw, user, now)?;
    }
    unused_chances(conn, id, user)
}

/// A scan of `placement` earns a chance in each running draw of its campaign that gives one per
/// scan: once per user per placement per China-time day, whatever the concurrency (the unique
/// index). Returns the draws that gave one.
pub(crate) fn grant_scan(
    conn: &mut DbConn,
    campaign: bazaar_core::ids::CampaignId,
    placement: PlacementId,
    user: UserId,
) -> Result<Vec<DrawId>, CampaignError> {
    let now = Utc::now().naive_utc();
    let day = bazaar_core::clock::china_day(now);
    let mut granted = Vec::new();
    for draw in draws::of_campaign(conn, campaign)? {
        if draw.scan_chances && draw.state(now) == draws::DrawState::Running {
            grant(conn, draw.id, user, "scan", &format!("{placement}:{day}"))?;
            granted.push(draw.id);
        }
    }
    Ok(granted)
}

/// Spends the draw's points price for one chance; `key` (the client's idempotency key) makes a
/// retry take the points once.
pub(crate) fn buy_chance(conn: &mut DbConn, id: DrawId, user: UserId, key: &str) -> Result<i64, CampaignError> {
    let now = Utc::now().naive_utc();
    let draw = draws::load(conn, id)?;
    running(&draw, now)?;
    may_play(conn, &draw, user)?;
    let price = draw
        .points_per_chance
        .ok_or_else(|| CampaignError::conflict("no_points_chances", "this draw does not sell chances for points"))?;
    // The reference names the draw and a digest of the client's key: ours to put in SQL text.
    let digest = hex::encode(&<sha2::Sha256 as sha2::Digest>::digest(key.as_bytes())[..12]);
    bazaar_promotions::spend_points_for_chance(conn, user, price, &format!("draw:{id}:{digest}"))?;
    grant(conn, id, user, "points", &digest)?;
    unused_chances(conn, id, user)
}
