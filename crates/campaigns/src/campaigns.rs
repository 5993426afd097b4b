//! Campaigns: what a shop (or the platform) promotes, from when to when, with which coupon budget,
//! and its placements — each a short link (and so a QR code) of its own, so the funnel can compare
//! a poster at the entrance with a flyer in the parcel.

use crate::CampaignError;
use crate::error::refuse;
use crate::links::{self, NewLink};
use crate::targets::{self, Target};
use bazaar_core::FieldChecks;
use bazaar_core::ids::{CampaignId, CouponTemplateId, PlacementId, ShopId, ShortLinkId, UserId};
use bazaar_db::DbConn;
use bazaar_db::schema::{campaign_placements as cp, campaigns as c, short_links as sl};
use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};

/// A new campaign.
#[derive(Debug, Clone, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CampaignInput {
    /// 1 to 60 characters.
    pub name: String,
    /// What the landing page features.
    pub target: Target,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    /// Orders within this many days of a scan are credited to it (1 to 90; `attribution_days` by default).
    pub attribution_days: Option<i64>,
    /// A coupon the landing page hands out (the shop's own), and how many it may.
    pub coupon_template_id: Option<CouponTemplateId>,
    #[serde(default)]
    pub coupon_budget: i64,
    /// Points its draws' points prizes may give in all.
    #[serde(default)]
    pub points_budget: i64,
    /// Where its code is put: a short link and QR code each (up to 50).
    #[serde(default)]
    pub placements: Vec<PlacementInput>,
}

#[derive(Debug, Clone, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct PlacementInput {
    /// 1 to 40 characters ("门口海报", "包裹传单").
    pub name: String,
    /// Counted visits after which the link shows that it ended (a limited print run), 1 to
    /// 1000000000; none for no limit.
    #[serde(default)]
    pub max_visits: Option<i64>,
    /// When the link stops working; by default it keeps working after the campaign ends, and its
    /// landing page then says so and shows what the shop offers now.
    #[serde(default)]
    pub ends_at: Option<chrono::DateTime<Utc>>,
}

/// Where a campaign stands now.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum CampaignState {
    Upcoming,
    Live,
    Ended,
}

#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PlacementView {
    pub id: PlacementId,
    pub name: String,
    pub code: String,
    /// The short link its QR code holds.
    pub short_url: String,
    /// Counted visits written so far (bots and link previews are not counted).
    pub visits: i64,
    pub max_visits: Option<i64>,
    pub ends_at: Option<chrono::DateTime<Utc>>,
}

#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CampaignView {
    pub id: CampaignId,
    /// None for a platform campaign.
    pub shop_id: Option<ShopId>,
    pub name: String,
    pub target: Target,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub state: CampaignState,
    pub attribution_days: i64,
    pub coupon_template_id: Option<CouponTemplateId>,
    pub coupon_budget: i64,
    pub coupons_given: i64,
    pub points_budget: i64,
    pub points_given: i64,
    pub placements: Vec<PlacementView>,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = c)]
pub(crate) struct CampaignRow {
    pub id: CampaignId,
    pub shop_id: Option<ShopId>,
    pub name: String,
    pub target_kind: String,
    pub target_id: Option<i64>,
    pub target_text: Option<String>,
    pub starts_at: NaiveDateTime,
    pub ends_at: NaiveDateTime,
    pub attribution_days: i64,
    pub coupon_template_id: Option<CouponTemplateId>,
    pub coupon_budget: i64,
    pub coupons_given: i64,
    pub points_budget: i64,
    pub points_given: i64,
}

impl CampaignRow {
    pub fn target(&self) -> Result<Target, CampaignError> {
        Target::from_columns(&self.target_kind, self.target_id, self.target_text.clone())
            .ok_or_else(|| CampaignError::conflict("damaged_campaign", "this campaign's target cannot be read"))
    }

    pub fn state(&self, now: NaiveDateTime) -> CampaignState {
        if now < self.starts_at {
            CampaignState::Upcoming
        } else if now < self.ends_at {
            CampaignState::Live
        } else {
            CampaignState::Ended
        }
    }
}

fn name_check(field: &'static str, raw: &str, max: usize) -> Result<(), CampaignError> {
    match bazaar_core::user_text(raw, 1, max, false) {
        Ok(_) => Ok(()),
        Err(_) => refuse(field, &format!("must be 1 to {max} characters of text")),
    }
}

/// Every problem of `input` at once.
fn check(
    conn: &mut DbConn,
    shop: Option<ShopId>,
    input: &CampaignInput,
    allowed_hosts: &[String],
) -> Result<(), CampaignError> {
    let mut checks = FieldChecks::new();
    checks.check(name_check("name", &input.name, 60));
    checks.check(targets::check(conn, shop, &input.target, allowed_hosts));
    if input.ends_at <= input.starts_at {
        checks.check(refuse("ends_at", "must be after starts_at"));
    } else if input.ends_at - input.starts_at > chrono::Duration::days(366) {
        checks.check(refuse("ends_at", "a campaign lasts at most a year"));
    }
    if input.attribution_days.is_some_and(|days| !(1..=90).contains(&days)) {
        checks.check(refuse("attribution_days", "must be 1 to 90"));
    }
    match input.coupon_template_id {
        Some(template) => match bazaar_promotions::coupon_issuer(conn, template)? {
            None => checks.check(refuse("coupon_template_id", "no such coupon")),
            Some(issuer) if shop.is_some() && issuer != shop => {
                checks.check(refuse("coupon_template_id", "belongs to another shop"))
            }
            Some(_) => {
                if !(1..=1_000_000).contains(&input.coupon_budget) {
                    checks.check(refuse("coupon_budget", "must be 1 to 1000000 with a coupon"));
                }
            }
        },
        None if input.coupon_budget != 0 => checks.check(refuse("coupon_budget", "needs a coupon_template_id")),
        None => {}
    }
    if !(0..=100_000_000).contains(&input.points_budget) {
        checks.check(refuse("points_budget", "must be 0 to 100000000"));
    }
    if input.placements.len() > 50 {
        checks.check(refuse("placements", "at most 50"));
    }
    for placement in &input.placements {
        check_placement(&mut checks, "placements.", placement, input.starts_at.naive_utc());
    }
    checks.finish()
}

/// Creates a campaign with its placements, inside the caller's transaction.
pub(crate) fn create(
    conn: &mut DbConn,
    shop: Option<ShopId>,
    by: UserId,
    input: &CampaignInput,
    default_attribution_days: i64,
    allowed_hosts: &[String],
) -> Result<CampaignId, CampaignError> {
    check(conn, shop, input, allowed_hosts)?;
    let (kind, target_id, target_text) = input.target.columns();
    let id: CampaignId = diesel::insert_into(c::table)
        .values((
            c::shop_id.eq(shop),
            c::name.eq(input.name.trim()),
            c::target_kind.eq(kind),
            c::target_id.eq(target_id),
            c::target_text.eq(target_text),
            c::starts_at.eq(input.starts_at.naive_utc()),
            c::ends_at.eq(input.ends_at.naive_utc()),
            c::attribution_days.eq(input.attribution_days.unwrap_or(default_attribution_days)),
            c::coupon_template_id.eq(input.coupon_template_id),
            c::coupon_budget.eq(input.coupon_budget),
            c::coupons_given.eq(0_i64),
            c::points_budget.eq(input.points_budget),
            c::points_given.eq(0_i64),
            c::created_by.eq(by),
            c::created_at.eq(Utc::now().naive_utc()),
        ))
        .returning(c::id)
        .get_result(conn)?;
    for placement in &input.placements {
        add_placement(conn, id, shop, by, placement, input.starts_at.naive_utc())?;
    }
    Ok(id)
}

/// A placement's fields, named under `prefix` (`placements.` inside a campaign).
fn check_placement(
    checks: &mut bazaar_core::FieldChecks<CampaignError>,
    prefix: &str,
    input: &PlacementInput,
    starts_at: NaiveDateTime,
) {
    let mut refuse_at = |name: &str, message: &str| {
        checks.check::<()>(Err(CampaignError::invalid(format!("{prefix}{name}"), message)));
    };
    if bazaar_core::user_text(&input.name, 1, 40, false).is_err() {
        refuse_at("name", "must be 1 to 40 characters of text");
    }
    if input.max_visits.is_some_and(|max| !(1..=1_000_000_000).contains(&max)) {
        refuse_at("max_visits", "must be 1 to 1000000000 (leave it out for no limit)");
    }
    if input.ends_at.is_some_and(|end| end.naive_utc() <= starts_at) {
        refuse_at("ends_at", "must be after the campaign's starts_at");
    }
}

/// Adds a placement and its short link (to the campaign's landing page).
pub(crate) fn add_placement(
    conn: &mut DbConn,
    campaign: CampaignId,
    shop: Option<ShopId>,
    by: UserId,
    input: &PlacementInput,
    starts_at: NaiveDateTime,
) -> Result<PlacementId, CampaignError> {
    let mut checks = bazaar_core::FieldChecks::new();
    check_placement(&mut checks, "", input, starts_at);
    checks.finish()?;
    let count: i64 = cp::table.filter(cp::campaign_id.eq(campaign)).count().get_result(conn)?;
    if count >= 50 {
        return Err(CampaignError::conflict("too_many_placements", "a campaign has at most 50 placements"));
    }
    let landing = format!("/m/campaigns/{campaign}");
    // A placement's link opens with its campaign and keeps working after the end: the landing
    // page then says the campaign ended and shows what the shop offers now.
    let (link, _) = links::create(
        conn,
        &NewLink {
            shop,
            campaign: Some(campaign),
            target: &landing,
            starts_at,
            ends_at: input.ends_at.map(|end| end.naive_utc()),
            max_visits: input.max_visits,
            created_by: by,
        },
    )?;
    Ok(diesel::insert_into(cp::table)
        .values((
            cp::campaign_id.eq(campaign),
            cp::name.eq(input.name.trim()),
            cp::link_id.eq(link),
            cp::created_at.eq(Utc::now().naive_utc()),
        ))
        .returning(cp::id)
        .get_result(conn)?)
}

pub(crate) fn load(conn: &mut DbConn, id: CampaignId) -> Result<CampaignRow, CampaignError> {
    c::table
        .find(id)
        .select(CampaignRow::as_select())
        .get_result(conn)
        .optional()?
        .ok_or(CampaignError::not_found("campaign"))
}

/// The campaign, for one who may manage it: a member of its shop, or an administrator for the
/// platform's. Anyone else is told it does not exist.
pub(crate) fn load_managed(
    conn: &mut DbConn,
    principal: &bazaar_identity::Principal,
    id: CampaignId,
) -> Result<CampaignRow, CampaignError> {
    let row = load(conn, id)?;
    let allowed = match row.shop_id {
        Some(shop) => principal.role_in(conn, shop)?.is_some(),
        None => principal.is_admin(),
    };
    if allowed { Ok(row) } else { Err(CampaignError::not_found("campaign")) }
}

pub(crate) struct PlacementLink {
    pub id: PlacementId,
    pub name: String,
    pub link: ShortLinkId,
    pub code: String,
    pub visits: i64,
    pub max_visits: Option<i64>,
    pub ends_at: Option<NaiveDateTime>,
}

pub(crate) fn placements(conn: &mut DbConn, campaign: CampaignId) -> Result<Vec<PlacementLink>, CampaignError> {
    type Row = (PlacementId, String, ShortLinkId, String, i64, Option<i64>, Option<NaiveDateTime>);
    let rows: Vec<Row> = cp::table
        .inner_join(sl::table)
        .filter(cp::campaign_id.eq(campaign))
        .order(cp::id)
        .select((cp::id, cp::name, sl::id, sl::code, sl::visits, sl::max_visits, sl::ends_at))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(id, name, link, code, visits, max_visits, ends_at)| PlacementLink {
            id,
            name,
            link,
            code,
            visits,
            max_visits,
            ends_at,
        })
        .collect())
}

pub(crate) fn view(conn: &mut DbConn, row: &CampaignRow, public_url: &str) -> Result<CampaignView, CampaignError> {
    let placements = placements(conn, row.id)?
        .into_iter()
        .map(|p| PlacementView {
            id: p.id,
            name: p.name,
            short_url: format!("{public_url}/s/{}", p.code),
            code: p.code,
            visits: p.visits,
            max_visits: p.max_visits,
            ends_at: p.ends_at.map(|end| end.and_utc()),
        })
        .collect();
    Ok(CampaignView {
        id: row.id,
        shop_id: row.shop_id,
        name: row.name.clone(),
        target: row.target()?,
        starts_at: row.starts_at.and_utc(),
        ends_at: row.ends_at.and_utc(),
        state: row.state(Utc::now().naive_utc()),
        attribution_days: row.attribution_days,
        coupon_template_id: row.coupon_template_id,
        coupon_budget: row.coupon_budget,
        coupons_given: row.coupons_given,
        points_budget: row.points_budget,
        points_given: row.points_given,
        placements,
    })
}

/// A shop's campaigns (or the platform's, `None`), newest first.
pub(crate) fn of_shop(conn: &mut DbConn, shop: Option<ShopId>) -> Result<Vec<CampaignRow>, CampaignError> {
    let query = c::table.select(CampaignRow::as_select()).order(c::id.desc()).limit(200);
    Ok(match shop {
        Some(shop) => query.filter(c::shop_id.eq(shop)).load(conn)?,
        None => query.filter(c::shop_id.is_null()).load(conn)?,
    })
}

/// The placement a link belongs to, within `campaign`.
pub(crate) fn placement_of_link(
    conn: &mut DbConn,
    link: ShortLinkId,
) -> Result<Option<(CampaignId, PlacementId)>, CampaignError> {
    Ok(cp::table.filter(cp::link_id.eq(link)).select((cp::campaign_id, cp::id)).get_result(conn).optional()?)
}

/// Takes one coupon of the campaign's budget (a conditional update: never more than the budget),
/// inside the claim's transaction. False when the budget is spent.
pub(crate) fn take_coupon_budget(conn: &mut DbConn, campaign: CampaignId) -> Result<bool, CampaignError> {
    Ok(diesel::update(c::table.find(campaign))
        .filter(c::coupons_given.lt(c::coupon_budget))
        .set(c::coupons_given.eq(c::coupons_given + 1))
        .execute(conn)?
        == 1)
}

/// Takes `points` of the campaign's points budget, the same way.
pub(crate) fn take_points_budget(conn: &mut DbConn, campaign: CampaignId, points: i64) -> Result<bool, CampaignError> {
    Ok(diesel::update(c::table.find(campaign))
        .filter(c::points_given.le(c::points_budget - points))
        .set(c::points_given.eq(c::points_given + points))
        .execute(conn)?
        == 1)
}
