//! Lucky draws (抽奖): a shop's prizes with weights and stock, who may play and how chances are
//! earned, and the seed commitment that makes every outcome checkable. The odds and the
//! remaining stock are public while the draw runs; nothing about the odds changes once it starts.

use crate::CampaignError;
use bazaar_core::Money;
use bazaar_core::ids::{CampaignId, CouponTemplateId, DrawId, PrizeId, ShopId, UserId};
use bazaar_db::DbConn;
use bazaar_db::schema::{draw_prizes as dp, draws as d};
use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};

/// The most a prize may be worth, in fen: China's Anti-Unfair Competition Law, article 10, caps a
/// prize-giving sale's top prize at ¥50,000.
pub const PRIZE_VALUE_CAP_FEN: i64 = 5_000_000;

/// Who may play.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum Audience {
    /// Everyone signed in.
    Everyone,
    /// Those who follow the shop.
    Followers,
    /// Those who have paid an order in the shop.
    Buyers,
}

impl Audience {
    pub const fn as_str(self) -> &'static str {
        match self {
            Audience::Everyone => "everyone",
            Audience::Followers => "followers",
            Audience::Buyers => "buyers",
        }
    }

    pub fn parse(stored: &str) -> Option<Audience> {
        [Audience::Everyone, Audience::Followers, Audience::Buyers].into_iter().find(|a| a.as_str() == stored)
    }
}

/// What a prize gives.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum PrizeKind {
    /// 谢谢参与: the draw's consolation.
    None,
    /// Points into the ledger.
    Points,
    /// A coupon of the shop's into the wallet.
    Coupon,
    /// A physical item the shop ships (or hands over).
    Item,
}

impl PrizeKind {
    pub const fn as_str(self) -> &'static str {
        match self {
            PrizeKind::None => "none",
            PrizeKind::Points => "points",
            PrizeKind::Coupon => "coupon",
            PrizeKind::Item => "item",
        }
    }

    pub fn parse(stored: &str) -> Option<PrizeKind> {
        [PrizeKind::None, PrizeKind::Points, PrizeKind::Coupon, PrizeKind::Item]
            .into_iter()
            .find(|kind| kind.as_str() == stored)
    }
}

#[derive(Debug, Clone, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct PrizeInput {
    /// 1 to 40 characters ("一等奖 蓝牙音箱").
    pub name: String,
    pub kind: PrizeKind,
    /// For a points prize.
    pub points: Option<i64>,
    /// For a coupon prize: one of the shop's coupons.
    pub coupon_template_id: Option<CouponTemplateId>,
    /// What the prize is worth, in yuan (required for an item; at most 50000.00).
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, example = "199.00"))]
    pub value: Option<Money>,
    /// Its share of the draws: odds are weight / the sum of all weights (at least 1).
    pub weight: i64,
    /// How many there are; absent for unlimited.
    pub stock: Option<i64>,
    /// An item the winner collects at the shop, showing a code, instead of having it shipped.
    #[serde(default)]
    pub pickup: bool,
}

/// A new draw, or a draw replaced before its start.
#[derive(Debug, Clone, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct DrawInput {
    /// 1 to 60 characters.
    pub name: String,
    /// The shop's campaign it belongs to: scans of its placements earn chances, its points budget
    /// caps the points prizes.
    pub campaign_id: Option<CampaignId>,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub audience: Audience,
    /// Free chances each China-time day (0 to 10).
    #[serde(default)]
    pub daily_free_chances: i64,
    /// A chance per scan of one of the campaign's placements, once per placement per day.
    #[serde(default)]
    pub scan_chances: bool,
    /// A chance per order paid in the shop during the draw of at least this much (yuan).
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, example = "50.00"))]
    pub order_min_amount: Option<Money>,
    /// A chance for this many points.
    pub points_per_chance: Option<i64>,
    /// What "no prize" says (谢谢参与), 1 to 60 characters.
    pub consolation: String,
    /// 1 to 20 prizes, "no prize" among them if there is to be one.
    pub prizes: Vec<PrizeInput>,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = d)]
pub(crate) struct DrawRow {
    pub id: DrawId,
    pub shop_id: Option<ShopId>,
    pub campaign_id: Option<CampaignId>,
    pub name: String,
    pub starts_at: NaiveDateTime,
    pub ends_at: NaiveDateTime,
    pub audience: String,
    pub daily_free_chances: i64,
    pub scan_chances: bool,
    pub order_min_amount: Option<i64>,
    pub points_per_chance: Option<i64>,
    pub consolation: String,
    pub seed: String,
    pub commitment: String,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = dp)]
pub(crate) struct PrizeRow {
    pub id: PrizeId,
    pub name: String,
    pub kind: String,
    pub points: Option<i64>,
    pub coupon_template_id: Option<CouponTemplateId>,
    pub value: i64,
    pub weight: i64,
    pub stock: Option<i64>,
    pub remaining: Option<i64>,
    pub won: i64,
    pub pickup: bool,
}

impl PrizeRow {
    pub fn kind(&self) -> PrizeKind {
        PrizeKind::parse(&self.kind).unwrap_or(PrizeKind::None)
    }
}

/// Where a draw stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum DrawState {
    Upcoming,
    Running,
    Ended,
}

impl DrawRow {
    pub fn state(&self, now: NaiveDateTime) -> DrawState {
        if now < self.starts_at {
            DrawState::Upcoming
        } else if now < self.ends_at {
            DrawState::Running
        } else {
            DrawState::Ended
        }
    }
}

#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PrizeView {
    pub id: PrizeId,
    pub name: String,
    pub kind: PrizeKind,
    pub points: Option<i64>,
    pub coupon_template_id: Option<CouponTemplateId>,
    #[cfg_attr(feature = "openapi", schema(value_type = String, example = "199.00"))]
    pub value: Money,
    pub weight: i64,
    /// weight / total weight, to four places ("0.0100").
    pub odds: String,
    /// None: unlimited.
    pub stock: Option<i64>,
    pub remaining: Option<i64>,
    pub won: i64,
    /// An item collected at the shop with a code (not shipped).
    pub pickup: bool,
}

#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DrawView {
    pub id: DrawId,
    pub shop_id: Option<ShopId>,
    pub campaign_id: Option<CampaignId>,
    pub name: String,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub state: DrawState,
    pub audience: Audience,
    pub daily_free_chances: i64,
    pub scan_chances: bool,
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub order_min_amount: Option<Money>,
    pub points_per_chance: Option<i64>,
    pub consolation: String,
    /// SHA-256 of the secret seed (hex), published from the start.
    pub seed_commitment: String,
    /// The seed (hex), revealed once the draw has ended.
    pub seed: Option<String>,
    pub total_weight: i64,
    pub prizes: Vec<PrizeView>,
}

pub(crate) fn load(conn: &mut DbConn, id: DrawId) -> Result<DrawRow, CampaignError> {
    d::table.find(id).select(DrawRow::as_select()).get_result(conn).optional()?.ok_or(CampaignError::not_found("draw"))
}

pub(crate) fn prizes(conn: &mut DbConn, id: DrawId) -> Result<Vec<PrizeRow>, CampaignError> {
    Ok(dp::table.filter(dp::draw_id.eq(id)).order(dp::position).select(PrizeRow::as_select()).load(conn)?)
}

/// The shop a draw belongs to (`Some(None)`: the platform's; `None`: no such draw).
pub(crate) fn shop_of(conn: &mut DbConn, id: DrawId) -> Result<Option<Option<ShopId>>, CampaignError> {
    Ok(d::table.find(id).select(d::shop_id).get_result(conn).optional()?)
}

fn odds(weight: i64, total: i64) -> String {
    if total <= 0 {
        return "0.0000".into();
    }
    let ten_thousandths = (i128::from(weight) * 10_000 + i128::from(total) / 2) / i128::from(total);
    format!("{}.{:04}", ten_thousandths / 10_000, ten_thousandths % 10_000)
}

pub(crate) fn view(row: &DrawRow, prizes: &[PrizeRow], now: NaiveDateTime) -> DrawView {
    let total: i64 = prizes.iter().map(|p| p.weight).sum();
    let state = row.state(now);
    DrawView {
        id: row.id,
        shop_id: row.shop_id,
        campaign_id: row.campaign_id,
        name: row.name.clone(),
        starts_at: row.starts_at.and_utc(),
        ends_at: row.ends_at.and_utc(),
        state,
        audience: Audience::parse(&row.audience).unwrap_or(Audience::Everyone),
        daily_free_chances: row.daily_free_chances,
        scan_chances: row.scan_chances,
        order_min_amount: row.order_min_amount.map(Money::from_minor),
        points_per_chance: row.points_per_chance,
        consolation: row.consolation.clone(),
        seed_commitment: row.commitment.clone(),
        seed: (state == DrawState::Ended).then(|| row.seed.clone()),
        total_weight: total,
        prizes: prizes
            .iter()
            .map(|p| PrizeView {
                id: p.id,
                name: p.name.clone(),
                kind: p.kind(),
                points: p.points,
                coupon_template_id: p.coupon_template_id,
                value: Money::from_minor(p.value),
                weight: p.weight,
                odds: odds(p.weight, total),
                stock: p.stock,
                remaining: p.remaining,
                won: p.won,
                pickup: p.pickup,
            })
            .collect(),
    }
}

/// The columns a draw's input sets, written alike when it is created and when it is replaced.
macro_rules! draw_rules {
    ($input:expr) => {
        (
            d::campaign_id.eq($input.campaign_id),
            d::name.eq($input.name.trim()),
            d::starts_at.eq($input.starts_at.naive_utc()),
            d::ends_at.eq($input.ends_at.naive_utc()),
            d::audience.eq($input.audience.as_str()),
            d::daily_free_chances.eq($input.daily_free_chances),
            d::scan_chances.eq($input.scan_chances),
            d::order_min_amount.eq($input.order_min_amount.map(Money::to_minor)),
            d::points_per_chance.eq($input.points_per_chance),
            d::consolation.eq($input.consolation.trim()),
        )
    };
}

/// A fresh secret seed (32 bytes from the thread's CSPRNG, hex) and its commitment.
fn new_seed() -> (String, String) {
    use rand::RngCore;
    use sha2::{Digest, Sha256};
    let mut seed = [0_u8; 32];
    rand::rng().fill_bytes(&mut seed);
    (hex::encode(seed), hex::encode(Sha256::digest(seed)))
}

fn write_prizes(conn: &mut DbConn, draw: DrawId, prizes: &[PrizeInput]) -> Result<(), CampaignError> {
    for (position, prize) in prizes.iter().enumerate() {
        diesel::insert_into(dp::table)
            .values((
                dp::draw_id.eq(draw),
                dp::position.eq(position as i64),
                dp::name.eq(prize.name.trim()),
                dp::kind.eq(prize.kind.as_str()),
                dp::points.eq(prize.points.filter(|_| prize.kind == PrizeKind::Points)),
                dp::coupon_template_id.eq(prize.coupon_template_id.filter(|_| prize.kind == PrizeKind::Coupon)),
                dp::value.eq(prize.value.unwrap_or(Money::ZERO).to_minor()),
                dp::weight.eq(prize.weight),
                dp::stock.eq(prize.stock),
                dp::remaining.eq(prize.stock),
                dp::won.eq(0_i64),
                dp::pickup.eq(prize.pickup && prize.kind == PrizeKind::Item),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// Creates a draw of `shop` (the platform's when `None`), inside the caller's transaction (the
/// caller checked membership or administration).
pub(crate) fn create(
    conn: &mut DbConn,
    shop: Option<ShopId>,
    by: UserId,
    input: &DrawInput,
) -> Result<DrawId, CampaignError> {
    crate::draw_checks::check(conn, shop, input)?;
    let (seed, commitment) = new_seed();
    let id: DrawId = diesel::insert_into(d::table)
        .values((
            d::shop_id.eq(shop),
            draw_rules!(input),
            d::seed.eq(seed),
            d::commitment.eq(commitment),
            d::created_by.eq(by),
            d::created_at.eq(Utc::now().naive_utc()),
        ))
        .returning(d::id)
        .get_result(conn)?;
    write_prizes(conn, id, &input.prizes)?;
    Ok(id)
}

/// Replaces a draw that has not started (its seed stays). Once it has started its odds, prizes
/// and rules are fixed: a conflict, nothing written.
pub(crate) fn replace(
    conn: &mut DbConn,
    id: DrawId,
    shop: Option<ShopId>,
    input: &DrawInput,
) -> Result<(), CampaignError> {
    crate::draw_checks::check(conn, shop, input)?;
    let now = Utc::now().naive_utc();
    // The start is checked in the update itself, so a draw starting meanwhile is not edited.
    let updated =
        diesel::update(d::table.find(id)).filter(d::starts_at.gt(now)).set(draw_rules!(input)).execute(conn)?;
    if updated == 0 {
        return Err(CampaignError::conflict(
            "draw_started",
            "this draw has started: its prizes, odds and rules can no longer change",
        ));
    }
    diesel::delete(dp::table.filter(dp::draw_id.eq(id))).execute(conn)?;
    write_prizes(conn, id, &input.prizes)
}

/// A shop's draws (the platform's when `None`), newest first.
pub(crate) fn of_shop(conn: &mut DbConn, shop: Option<ShopId>) -> Result<Vec<DrawRow>, CampaignError> {
    let query = d::table.order(d::id.desc()).limit(200).select(DrawRow::as_select()).into_boxed();
    let query = match shop {
        Some(shop) => query.filter(d::shop_id.eq(shop)),
        None => query.filter(d::shop_id.is_null()),
    };
    Ok(query.load(conn)?)
}

/// A draw's campaign's draws (the scan chances of a placement go to these).
pub(crate) fn of_campaign(conn: &mut DbConn, campaign: CampaignId) -> Result<Vec<DrawRow>, CampaignError> {
    Ok(d::table.filter(d::campaign_id.eq(campaign)).select(DrawRow::as_select()).load(conn)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn odds_are_rounded_to_four_places() {
        assert_eq!(odds(1, 100), "0.0100");
        assert_eq!(odds(1, 3), "0.3333");
        assert_eq!(odds(2, 3), "0.6667");
        assert_eq!(odds(5, 5), "1.0000");
    }
}
