//! A campaign's funnel per day and placement: visits (PV, and UV by the day's client hash),
//! landing views, coupons claimed, draws played and won, orders credited, paid, their GMV, and
//! refunds. An order refunded leaves the orders and counts under refunds.

use crate::CampaignError;
use bazaar_checkout::OrderStatus;
use bazaar_core::Money;
use bazaar_core::ids::{CampaignId, OrderId, PlacementId, ShortLinkId};
use bazaar_db::DbConn;
use bazaar_db::schema::{
    campaign_events as ce, draw_plays as pl, draws as d, link_visits as lv, order_attributions as oa,
};
use diesel::dsl::{count, count_star};
use diesel::prelude::*;
use serde::Serialize;
use std::collections::BTreeMap;

/// A funnel step that is not a visit or an order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FunnelEvent {
    LandingView,
    CouponClaimed,
}

impl FunnelEvent {
    pub const fn as_str(self) -> &'static str {
        match self {
            FunnelEvent::LandingView => "landing_view",
            FunnelEvent::CouponClaimed => "coupon_claimed",
        }
    }
}

#[derive(Debug, Clone, Default, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FunnelRow {
    /// The China-time day.
    pub day: String,
    /// None: not tied to one placement (a draw played from the draw's page, a direct visit).
    pub placement_id: Option<PlacementId>,
    pub placement: Option<String>,
    pub visits: i64,
    pub visitors: i64,
    pub landing_views: i64,
    pub coupons_claimed: i64,
    pub draws_played: i64,
    pub draws_won: i64,
    pub orders: i64,
    pub paid_orders: i64,
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub gmv: Money,
    pub refunds: i64,
}

#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Funnel {
    pub campaign_id: CampaignId,
    pub rows: Vec<FunnelRow>,
    pub totals: FunnelRow,
    /// Step to step, in percent with one decimal: visits → landing views → coupons claimed,
    /// draws played, orders → paid orders.
    pub conversion: BTreeMap<String, String>,
}

fn percent(part: i64, whole: i64) -> String {
    if whole <= 0 {
        return "0.0".into();
    }
    let tenths = (part * 1000 + whole / 2) / whole;
    format!("{}.{}", tenths / 10, tenths % 10)
}

pub(crate) fn funnel(conn: &mut DbConn, campaign: CampaignId) -> Result<Funnel, CampaignError> {
    let placements = crate::campaigns::placements(conn, campaign)?;
    let placement_of: BTreeMap<ShortLinkId, (PlacementId, String)> =
        placements.iter().map(|p| (p.link, (p.id, p.name.clone()))).collect();
    let names: BTreeMap<PlacementId, String> = placements.iter().map(|p| (p.id, p.name.clone())).collect();
    let mut rows: BTreeMap<(String, Option<PlacementId>), FunnelRow> = BTreeMap::new();
    fn row<'a>(
        rows: &'a mut BTreeMap<(String, Option<PlacementId>), FunnelRow>,
        names: &BTreeMap<PlacementId, String>,
        day: String,
        placement: Option<PlacementId>,
    ) -> &'a mut FunnelRow {
        rows.entry((day.clone(), placement)).or_insert_with(|| FunnelRow {
            day,
            placement_id: placement,
            placement: placement.and_then(|p| names.get(&p).cloned()),
            ..FunnelRow::default()
        })
    }
    let links: Vec<ShortLinkId> = placement_of.keys().copied().collect();
    let visits: Vec<(ShortLinkId, String, i64, i64)> = lv::table
        .filter(lv::link_id.eq_any(&links))
        .filter(lv::bot.eq(false))
        .group_by((lv::link_id, lv::day))
        .select((lv::link_id, lv::day, count_star(), count(lv::client).aggregate_distinct()))
        .load(conn)?;
    for (link, day, pv, uv) in visits {
        let entry = row(&mut rows, &names, day, placement_of.get(&link).map(|(id, _)| *id));
        entry.visits += pv;
        entry.visitors += uv;
    }
    let events: Vec<(Option<PlacementId>, String, String, i64)> = ce::table
        .filter(ce::campaign_id.eq(campaign))
        .group_by((ce::placement_id, ce::day, ce::kind))
        .select((ce::placement_id, ce::day, ce::kind, count_star()))
        .load(conn)?;
    for (placement, day, kind, count) in events {
        let entry = row(&mut rows, &names, day, placement);
        if kind == FunnelEvent::LandingView.as_str() {
            entry.landing_views += count;
        } else if kind == FunnelEvent::CouponClaimed.as_str() {
            entry.coupons_claimed += count;
        }
    }
    let plays: Vec<(chrono::NaiveDateTime, String)> = pl::table
        .inner_join(d::table.on(pl::draw_id.eq(d::id)))
        .filter(d::campaign_id.eq(campaign))
        .select((pl::created_at, pl::outcome))
        .load(conn)?;
    for (at, outcome) in plays {
        let entry = row(&mut rows, &names, bazaar_core::clock::china_day(at).to_string(), None);
        entry.draws_played += 1;
        if outcome == crate::Outcome::Won.as_str() {
            entry.draws_won += 1;
        }
    }
    let credited: Vec<(OrderId, Option<PlacementId>, chrono::NaiveDateTime)> = oa::table
        .filter(oa::campaign_id.eq(campaign))
        .select((oa::order_id, oa::placement_id, oa::created_at))
        .load(conn)?;
    let ids: Vec<OrderId> = credited.iter().map(|(id, _, _)| *id).collect();
    let states: BTreeMap<OrderId, (OrderStatus, Money)> = bazaar_checkout::order_states(conn, &ids)?
        .into_iter()
        .map(|(id, status, total)| (id, (status, total)))
        .collect();
    for (order, placement, at) in credited {
        let Some((status, total)) = states.get(&order) else { continue };
        let entry = row(&mut rows, &names, bazaar_core::clock::china_day(at).to_string(), placement);
        match status {
            OrderStatus::Refunded => entry.refunds += 1,
            OrderStatus::PendingPayment | OrderStatus::Cancelled => entry.orders += 1,
            OrderStatus::Paid | OrderStatus::Shipped | OrderStatus::Received | OrderStatus::Completed => {
                entry.orders += 1;
                entry.paid_orders += 1;
                entry.gmv = entry.gmv.checked_add(*total).unwrap_or(entry.gmv);
            }
        }
    }
    let rows: Vec<FunnelRow> = rows.into_values().collect();
    let mut totals = FunnelRow { day: "total".into(), ..FunnelRow::default() };
    for r in &rows {
        totals.visits += r.visits;
        totals.visitors += r.visitors;
        totals.landing_views += r.landing_views;
        totals.coupons_claimed += r.coupons_claimed;
        totals.draws_played += r.draws_played;
        totals.draws_won += r.draws_won;
        totals.orders += r.orders;
        totals.paid_orders += r.paid_orders;
        totals.gmv = totals.gmv.checked_add(r.gmv).unwrap_or(totals.gmv);
        totals.refunds += r.refunds;
    }
    let conversion = BTreeMap::from([
        ("visits_to_landing_views".to_string(), percent(totals.landing_views, totals.visits)),
        ("landing_views_to_coupons_claimed".to_string(), percent(totals.coupons_claimed, totals.landing_views)),
        ("landing_views_to_draws_played".to_string(), percent(totals.draws_played, totals.landing_views)),
        ("visitors_to_orders".to_string(), percent(totals.orders, totals.visitors)),
        ("orders_to_paid_orders".to_string(), percent(totals.paid_orders, totals.orders)),
    ]);
    Ok(Funnel { campaign_id: campaign, rows, totals, conversion })
}

/// The funnel as CSV (a header, a line per day and placement, the totals last).
pub fn to_csv(funnel: &Funnel) -> String {
    let mut out = String::from(
        "day,placement_id,placement,visits,visitors,landing_views,coupons_claimed,draws_played,draws_won,orders,paid_orders,gmv,refunds\n",
    );
    for row in funnel.rows.iter().chain(std::iter::once(&funnel.totals)) {
        let name = row.placement.as_deref().unwrap_or("").replace('"', "\"\"");
        // A name starting with = + - @ would be a formula in a spreadsheet: quote it inert.
        let name = if name.starts_with(['=', '+', '-', '@']) { format!("'{name}") } else { name };
        out.push_str(&format!(
            "{},{},\"{}\",{},{},{},{},{},{},{},{},{},{}\n",
            row.day,
            row.placement_id.map(|p| p.to_string()).unwrap_or_default(),
            name,
            row.visits,
            row.visitors,
            row.landing_views,
            row.coupons_claimed,
            row.draws_played,
            row.draws_won,
            row.orders,
            row.paid_orders,
            row.gmv,
            row.refunds,
        ));
    }
    out
}

/// Records a landing view or a coupon claimed on the landing page.
pub(crate) fn record(
    conn: &mut DbConn,
    campaign: CampaignId,
    placement: Option<PlacementId>,
    event: FunnelEvent,
    user: Option<bazaar_core::ids::UserId>,
) -> Result<(), CampaignError> {
    let now = chrono::Utc::now().naive_utc();
    diesel::insert_into(ce::table)
        .values((
            ce::campaign_id.eq(campaign),
            ce::placement_id.eq(placement),
            ce::kind.eq(event.as_str()),
            ce::day.eq(bazaar_core::clock::china_day(now).to_string()),
            ce::user_id.eq(user),
            ce::created_at.eq(now),
        ))
        .execute(conn)?;
    Ok(())
}
