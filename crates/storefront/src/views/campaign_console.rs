//! The seller console's campaigns: a shop's campaigns with their state, and one campaign's funnel
//! — a horizontal bar per step (SVG drawn here) with the conversion from the step before, the
//! table by day and placement, the CSV link, and each placement's QR code to print.

use super::{Chrome, yuan};
use askama::Template;
use bazaar_campaigns::{CampaignState, CampaignView, Funnel};

pub struct CampaignLine {
    pub href: String,
    pub name: String,
    pub state: &'static str,
    pub placements: usize,
}

#[derive(Template)]
#[template(path = "seller_campaigns.html")]
pub struct SellerCampaignsPage {
    pub chrome: Chrome,
    pub shop_id: i64,
    pub shop_name: String,
    pub campaigns: Vec<CampaignLine>,
}

fn state_label(chrome: &Chrome, state: CampaignState) -> &'static str {
    match state {
        CampaignState::Upcoming => chrome.t.draw_upcoming,
        CampaignState::Live => chrome.t.campaign_live,
        CampaignState::Ended => chrome.t.campaign_ended,
    }
}

impl SellerCampaignsPage {
    pub fn new(chrome: Chrome, shop_id: i64, shop_name: String, campaigns: &[CampaignView]) -> SellerCampaignsPage {
        let campaigns = campaigns
            .iter()
            .map(|c| CampaignLine {
                href: format!("/seller/campaigns/{}", c.id),
                name: c.name.clone(),
                state: state_label(&chrome, c.state),
                placements: c.placements.len(),
            })
            .collect();
        SellerCampaignsPage { chrome, shop_id, shop_name, campaigns }
    }
}

/// One step of the funnel as a bar.
pub struct Step {
    pub label: &'static str,
    pub value: i64,
    pub y: i64,
    pub width: i64,
    /// From the step before, "12.5%" (empty for the first).
    pub conversion: String,
}

pub struct PlacementQr {
    pub name: String,
    pub short_url: String,
    /// The QR code as SVG, drawn by us (the caption escaped there).
    pub svg: String,
}

pub struct FunnelLine {
    pub day: String,
    pub placement: String,
    pub visits: i64,
    pub visitors: i64,
    pub landing_views: i64,
    pub coupons_claimed: i64,
    pub draws_played: i64,
    pub orders: i64,
    pub paid_orders: i64,
    pub gmv: String,
    pub refunds: i64,
}

#[derive(Template)]
#[template(path = "seller_campaign.html")]
pub struct SellerCampaignPage {
    pub chrome: Chrome,
    pub id: i64,
    pub name: String,
    pub state: &'static str,
    pub steps: Vec<Step>,
    pub chart_height: i64,
    pub lines: Vec<FunnelLine>,
    pub gmv: String,
    pub placements: Vec<PlacementQr>,
}

const BAR_SPACE: i64 = 30;
const BAR_WIDTH: i64 = 220;

fn percent(part: i64, whole: i64) -> String {
    if whole <= 0 {
        return String::new();
    }
    let tenths = (part * 1000 + whole / 2) / whole;
    format!("{}.{}%", tenths / 10, tenths % 10)
}

impl SellerCampaignPage {
    pub fn new(
        chrome: Chrome,
        campaign: &CampaignView,
        funnel: &Funnel,
        placements: Vec<PlacementQr>,
    ) -> SellerCampaignPage {
        let t = chrome.t;
        let totals = &funnel.totals;
        let values = [
            (t.funnel_visits, totals.visits),
            (t.funnel_landing_views, totals.landing_views),
            (t.funnel_coupons, totals.coupons_claimed),
            (t.funnel_draws, totals.draws_played),
            (t.funnel_orders, totals.orders),
            (t.funnel_paid, totals.paid_orders),
        ];
        let top = values.iter().map(|(_, v)| *v).max().unwrap_or(0).max(1);
        let steps = values
            .iter()
            .enumerate()
            .map(|(at, (label, value))| Step {
                label,
                value: *value,
                y: at as i64 * BAR_SPACE,
                width: (value.saturating_mul(BAR_WIDTH) / top).max(1),
                conversion: if at == 0 { String::new() } else { percent(*value, values[at - 1].1) },
            })
            .collect::<Vec<_>>();
        let lines = funnel
            .rows
            .iter()
            .map(|row| FunnelLine {
                day: row.day.clone(),
                placement: row.placement.clone().unwrap_or_else(|| "—".into()),
                visits: row.visits,
                visitors: row.visitors,
                landing_views: row.landing_views,
                coupons_claimed: row.coupons_claimed,
                draws_played: row.draws_played,
                orders: row.orders,
                paid_orders: row.paid_orders,
                gmv: yuan(row.gmv),
                refunds: row.refunds,
            })
            .collect();
        SellerCampaignPage {
            id: campaign.id.get(),
            name: campaign.name.clone(),
            state: state_label(&chrome, campaign.state),
            chart_height: steps.len() as i64 * BAR_SPACE,
            steps,
            lines,
            gmv: yuan(totals.gmv),
            placements,
            chrome,
        }
    }
}
