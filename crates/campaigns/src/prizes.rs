//! After the plays: the audit anyone can recompute once a draw has ended, the winner's prize list
//! (and an item's address), and the shop's winners with masked phones and shipping.

use crate::draws::{self, DrawState, PrizeKind};
use crate::play::{Fulfilment, Outcome, PlayRow};
use crate::{CampaignError, outcome};
use bazaar_core::ids::{DrawId, OrderId, PlayId, PrizeId, UserId};
use bazaar_db::DbConn;
use bazaar_db::schema::{draw_plays as pl, draw_prizes as dp, draws as d};
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AuditedPlay {
    pub play_id: PlayId,
    pub user_id: UserId,
    /// The prize the roll drew, and what was given (None: the consolation).
    pub drawn_prize_id: Option<PrizeId>,
    pub prize_id: Option<PrizeId>,
    pub outcome: Outcome,
}

#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DrawAudit {
    pub draw: draws::DrawView,
    /// How each outcome follows from the seed (crate `bazaar-campaigns`, `outcome.rs`).
    pub rule: String,
    pub plays: Vec<AuditedPlay>,
}

pub const RULE: &str = "mac = HMAC-SHA256(key = hex-decoded seed, message = \"{draw_id}:{play_id}:{user_id}\"); \
roll = first 8 bytes of mac, big-endian; slot = roll mod total_weight; the prize drawn is the first, in listed \
order, whose running sum of weights exceeds slot. A drawn prize with no stock left (sold_out) gives the \
consolation. The commitment is SHA-256 of the seed's bytes.";

/// Every play of an ended draw with the seed, so anyone can recompute each outcome.
pub(crate) fn audit(conn: &mut DbConn, id: DrawId) -> Result<DrawAudit, CampaignError> {
    let row = draws::load(conn, id)?;
    let now = Utc::now().naive_utc();
    if row.state(now) != DrawState::Ended {
        return Err(CampaignError::conflict(
            "draw_not_ended",
            "the seed is revealed, and the plays can be audited, once the draw has ended",
        ));
    }
    let prizes = draws::prizes(conn, id)?;
    let plays: Vec<PlayRow> =
        pl::table.filter(pl::draw_id.eq(id)).order(pl::id).select(PlayRow::as_select()).load(conn)?;
    Ok(DrawAudit {
        draw: draws::view(&row, &prizes, now),
        rule: RULE.to_string(),
        plays: plays
            .into_iter()
            .map(|play| AuditedPlay {
                play_id: play.id,
                user_id: play.user_id,
                drawn_prize_id: play.drawn_prize_id,
                prize_id: play.prize_id,
                outcome: Outcome::parse(&play.outcome).unwrap_or(Outcome::NoPrize),
            })
            .collect(),
    })
}

/// Recomputes the prize a play drew from a revealed seed (what an auditor does).
pub fn recompute(seed: &str, draw: DrawId, play: PlayId, user: UserId, weights: &[i64]) -> Option<usize> {
    outcome::pick(outcome::roll(seed, draw, play, user)?, weights)
}

/// A prize won, as its winner sees it.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct WonPrize {
    pub play_id: PlayId,
    pub draw_id: DrawId,
    pub draw_name: String,
    pub prize_id: PrizeId,
    pub prize_name: String,
    pub kind: PrizeKind,
    pub fulfilment: Fulfilment,
    pub ship_to: Option<String>,
    pub tracking_number: Option<String>,
    /// An item prize claimed with an address: the shop's order that ships it (nothing to pay).
    pub order_id: Option<OrderId>,
    /// An item to collect at the shop: the code its winner shows there (only the winner sees it).
    pub pickup_code: Option<String>,
    pub won_at: DateTime<Utc>,
}

type WonRow = (
    PlayId,
    DrawId,
    String,
    PrizeId,
    String,
    String,
    String,
    Option<String>,
    Option<String>,
    Option<OrderId>,
    Option<String>,
    chrono::NaiveDateTime,
    UserId,
);

fn won(rows: Vec<WonRow>) -> Vec<(WonPrize, UserId)> {
    rows.into_iter()
        .map(
            |(
                play_id,
                draw_id,
                draw_name,
                prize_id,
                prize_name,
                kind,
                fulfilment,
                ship_to,
                tracking_number,
                order_id,
                pickup_code,
                at,
                user,
            )| {
                (
                    WonPrize {
                        play_id,
                        draw_id,
                        draw_name,
                        prize_id,
                        prize_name,
                        kind: PrizeKind::parse(&kind).unwrap_or(PrizeKind::None),
                        fulfilment: Fulfilment::parse(&fulfilment).unwrap_or(Fulfilment::None),
                        ship_to,
                        tracking_number,
                        order_id,
                        pickup_code,
                        won_at: at.and_utc(),
                    },
                    user,
                )
            },
        )
        .collect()
}

macro_rules! won_query {
    () => {
        pl::table
            .inner_join(dp::table.on(pl::prize_id.eq(dp::id.nullable())))
            .inner_join(d::table.on(pl::draw_id.eq(d::id)))
            .filter(pl::outcome.eq(Outcome::Won.as_str()))
            .select((
                pl::id,
                pl::draw_id,
                d::name,
                dp::id,
                dp::name,
                dp::kind,
                pl::fulfilment,
                pl::ship_to,
                pl::tracking_number,
                pl::order_id,
                pl::pickup_code,
                pl::created_at,
                pl::user_id,
            ))
    };
}

/// The prizes `user` has won, newest first.
pub(crate) fn of_user(conn: &mut DbConn, user: UserId) -> Result<Vec<WonPrize>, CampaignError> {
    let rows: Vec<WonRow> = won_query!().filter(pl::user_id.eq(user)).order(pl::id.desc()).limit(200).load(conn)?;
    Ok(as_shipped(conn, won(rows))?.into_iter().map(|(prize, _)| prize).collect())
}

/// A winner as the shop sees it: the phone masked.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Winner {
    #[serde(flatten)]
    pub prize: WonPrize,
    /// 138****0000
    pub phone: String,
}

/// The winners of a draw, newest first.
pub(crate) fn winners(conn: &mut DbConn, id: DrawId) -> Result<Vec<Winner>, CampaignError> {
    let rows: Vec<WonRow> = won_query!().filter(pl::draw_id.eq(id)).order(pl::id.desc()).limit(1000).load(conn)?;
    let mut winners = Vec::with_capacity(rows.len());
    for (mut prize, user) in as_shipped(conn, won(rows))? {
        // The code is the winner's proof at the counter: the shop never reads it here.
        prize.pickup_code = None;
        let phone = bazaar_identity::masked_phone(conn, user)?.unwrap_or_default();
        winners.push(Winner { prize, phone });
    }
    Ok(winners)
}

/// Where to send an item prize.
#[derive(Debug, Clone, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ClaimItem {
    /// One of the caller's addresses.
    pub address_id: bazaar_core::ids::AddressId,
}

/// An item prize's order, once shipped through the shop's orders, is `sent` (asked of checkout).
fn as_shipped(
    conn: &mut DbConn,
    mut prizes: Vec<(WonPrize, UserId)>,
) -> Result<Vec<(WonPrize, UserId)>, CampaignError> {
    let orders: Vec<OrderId> = prizes.iter().filter_map(|(prize, _)| prize.order_id).collect();
    if orders.is_empty() {
        return Ok(prizes);
    }
    let states = bazaar_checkout::order_states(conn, &orders)?;
    for (prize, _) in &mut prizes {
        let shipped = states.iter().any(|(order, status, _)| {
            use bazaar_checkout::OrderStatus::{Completed, Received, Shipped};
            Some(*order) == prize.order_id && matches!(status, Shipped | Received | Completed)
        });
        if shipped {
            prize.fulfilment = Fulfilment::Sent;
        }
    }
    Ok(prizes)
}

/// The winner gives an address for an item prize: `to_claim` → `to_ship`, once, and the shop gets
/// an order for it (nothing to pay) that it ships like any other.
pub(crate) fn claim_item(
    conn: &mut DbConn,
    user: UserId,
    play: PlayId,
    claim: &ClaimItem,
) -> Result<OrderId, CampaignError> {
    let found: Option<(UserId, DrawId, Option<PrizeId>, String)> = pl::table
        .find(play)
        .select((pl::user_id, pl::draw_id, pl::prize_id, pl::fulfilment))
        .get_result(conn)
        .optional()?;
    let Some((_, draw, Some(prize), fulfilment)) = found.filter(|(owner, ..)| *owner == user) else {
        return Err(CampaignError::not_found("prize"));
    };
    // Said before the address is looked at: a prize to collect, or one claimed already, ships nothing.
    let not_claimable = || CampaignError::conflict("prize_not_claimable", "this prize is not waiting for an address");
    if fulfilment != Fulfilment::ToClaim.as_str() {
        return Err(not_claimable());
    }
    let address = bazaar_identity::address_line(conn, user, claim.address_id)?
        .ok_or_else(|| CampaignError::invalid("address_id", "is not one of your addresses"))?;
    let moved = diesel::update(pl::table.find(play))
        .filter(pl::fulfilment.eq(Fulfilment::ToClaim.as_str()))
        .set((pl::fulfilment.eq(Fulfilment::ToShip.as_str()), pl::ship_to.eq(address)))
        .execute(conn)?;
    if moved == 0 {
        return Err(not_claimable());
    }
    let shop = draws::shop_of(conn, draw)?.flatten().ok_or(CampaignError::not_found("prize"))?;
    let name: String = dp::table.find(prize).select(dp::name).get_result(conn)?;
    let reference = format!("draw_play:{play}");
    let prize = bazaar_checkout::Prize { shop, name: &name, reference: &reference };
    let order = bazaar_checkout::create_prize_order(conn, user, claim.address_id, &prize)?;
    diesel::update(pl::table.find(play)).set(pl::order_id.eq(order)).execute(conn)?;
    Ok(order)
}

/// The prize order of a play waiting to be shipped, if there is one.
pub(crate) fn order_to_ship(conn: &mut DbConn, play: PlayId) -> Result<Option<OrderId>, CampaignError> {
    let found: Option<(String, Option<OrderId>)> =
        pl::table.find(play).select((pl::fulfilment, pl::order_id)).get_result(conn).optional()?;
    match found {
        Some((fulfilment, order)) if fulfilment == Fulfilment::ToShip.as_str() => Ok(order),
        // Sent already: nothing left to ship; marking it again decides whether this is the same shipment.
        Some((fulfilment, _)) if fulfilment == Fulfilment::Sent.as_str() => Ok(None),
        _ => Err(CampaignError::conflict("prize_not_shippable", "this prize is not waiting to be shipped")),
    }
}

/// The shop has shipped an item prize: `to_ship` → `sent`, once, with its tracking number.
pub(crate) fn mark_sent(conn: &mut DbConn, play: PlayId, tracking: &str) -> Result<(), CampaignError> {
    let moved = diesel::update(pl::table.find(play))
        .filter(pl::fulfilment.eq(Fulfilment::ToShip.as_str()))
        .set((pl::fulfilment.eq(Fulfilment::Sent.as_str()), pl::tracking_number.eq(tracking)))
        .execute(conn)?;
    if moved == 1 {
        return Ok(());
    }
    // The same shipment sent again (a retry after a lost answer) is done already.
    let now: Option<(String, Option<String>)> =
        pl::table.find(play).select((pl::fulfilment, pl::tracking_number)).get_result(conn).optional()?;
    match now {
        Some((sent, Some(number))) if sent == Fulfilment::Sent.as_str() && number == tracking => Ok(()),
        _ => Err(CampaignError::conflict("prize_not_shippable", "this prize is not waiting to be shipped")),
    }
}

/// The shop hands over an item collected at its counter: `to_pick_up` → `picked_up`, once, when
/// the winner's code matches (compared in the update itself).
pub(crate) fn hand_over(conn: &mut DbConn, play: PlayId, code: &str) -> Result<(), CampaignError> {
    let moved = diesel::update(pl::table.find(play))
        .filter(pl::fulfilment.eq(Fulfilment::ToPickUp.as_str()))
        .filter(pl::pickup_code.eq(code.trim()))
        .set(pl::fulfilment.eq(Fulfilment::PickedUp.as_str()))
        .execute(conn)?;
    if moved == 1 {
        return Ok(());
    }
    let fulfilment: Option<String> = pl::table.find(play).select(pl::fulfilment).get_result(conn).optional()?;
    match fulfilment {
        Some(waiting) if waiting == Fulfilment::ToPickUp.as_str() => {
            Err(CampaignError::invalid("pickup_code", "is not this prize's code"))
        }
        _ => Err(CampaignError::conflict("prize_not_for_pickup", "this prize is not waiting to be collected")),
    }
}

/// The draw a play belongs to.
pub(crate) fn draw_of_play(conn: &mut DbConn, play: PlayId) -> Result<DrawId, CampaignError> {
    pl::table.find(play).select(pl::draw_id).get_result(conn).optional()?.ok_or(CampaignError::not_found("prize"))
}
