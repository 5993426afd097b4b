//! A campaign's landing page (`/m/campaigns/{id}`, where a placement's QR code leads) and a lucky
//! draw's page (`/m/draws/{id}`): what the campaign features, its coupon to claim and its draws;
//! the draw's prizes with their public odds and stock left, the seed commitment (and the seed after
//! the end), the visitor's chances and a play form.

use super::Chrome;
use askama::Template;
use bazaar_campaigns::{CampaignState, CampaignView, DrawState, DrawView, Fulfilment, Outcome, PlayView, Target};

pub struct DrawCard {
    pub href: String,
    pub name: String,
    pub running: bool,
}

impl DrawCard {
    fn new(draw: &DrawView) -> DrawCard {
        DrawCard {
            href: format!("/m/draws/{}", draw.id),
            name: draw.name.clone(),
            running: draw.state == DrawState::Running,
        }
    }
}

#[derive(Template)]
#[template(path = "campaign.html")]
pub struct LandingPage {
    pub chrome: Chrome,
    pub id: i64,
    pub name: String,
    pub ended: bool,
    /// Where the campaign's offer is (a product, a shop, a search…); none for a coupon campaign.
    pub target_href: Option<String>,
    /// The shop's page, for "what the shop offers now" once the campaign ended.
    pub shop_href: Option<String>,
    pub coupon: bool,
    /// The placement code the visitor came through, sent back with the claim.
    pub via: String,
    pub draws: Vec<DrawCard>,
    pub notice: Option<String>,
    pub error: Option<String>,
}

impl LandingPage {
    pub fn new(chrome: Chrome, campaign: &CampaignView, draws: &[DrawView], via: String) -> LandingPage {
        let ended = campaign.state == CampaignState::Ended;
        let target_href = match &campaign.target {
            Target::Coupon { .. } => None,
            target => Some(target.location(Some(campaign.id))),
        };
        LandingPage {
            chrome,
            id: campaign.id.get(),
            name: campaign.name.clone(),
            ended,
            target_href,
            shop_href: campaign.shop_id.map(|shop| format!("/m/shops/{shop}")),
            coupon: campaign.coupon_template_id.is_some() && campaign.state == CampaignState::Live,
            via,
            draws: draws.iter().map(DrawCard::new).collect(),
            notice: None,
            error: None,
        }
    }
}

pub struct PrizeLine {
    pub name: String,
    pub odds: String,
    /// "12" or "Unlimited".
    pub left: String,
}

#[derive(Template)]
#[template(path = "draw.html")]
pub struct DrawPage {
    pub chrome: Chrome,
    pub id: i64,
    pub name: String,
    pub state: &'static str,
    pub state_label: &'static str,
    pub prizes: Vec<PrizeLine>,
    pub commitment: String,
    pub seed: Option<String>,
    /// The signed-in visitor's unused chances.
    pub chances: Option<i64>,
    /// Sent back with the play so a double tap plays once.
    pub idempotency_key: String,
    /// What the play just now came to.
    pub result: Option<String>,
    /// The prize won waits for its winner (an address to give, a code to show): a way to it.
    pub prize_waiting: bool,
    pub error: Option<String>,
}

impl DrawPage {
    pub fn new(chrome: Chrome, draw: &DrawView, chances: Option<i64>, idempotency_key: String) -> DrawPage {
        let t = chrome.t;
        let (state, state_label) = match draw.state {
            DrawState::Upcoming => ("upcoming", t.draw_upcoming),
            DrawState::Running => ("running", t.lucky_draw),
            DrawState::Ended => ("ended", t.draw_over),
        };
        DrawPage {
            id: draw.id.get(),
            name: draw.name.clone(),
            state,
            state_label,
            prizes: draw
                .prizes
                .iter()
                .map(|prize| PrizeLine {
                    name: prize.name.clone(),
                    odds: format!("{}%", percent(&prize.odds)),
                    left: prize.remaining.map_or_else(|| t.unlimited.to_string(), |left| left.to_string()),
                })
                .collect(),
            commitment: draw.seed_commitment.clone(),
            seed: draw.seed.clone(),
            chances,
            idempotency_key,
            result: None,
            prize_waiting: false,
            error: None,
            chrome,
        }
    }

    /// What a play came to, in words.
    pub fn played(&mut self, play: &PlayView) {
        let t = self.chrome.t;
        self.result = Some(match (play.outcome, &play.prize_name, &play.consolation) {
            (Outcome::Won, Some(prize), _) => format!("{} {prize}", t.you_won),
            (Outcome::SoldOut, _, Some(consolation)) => format!("{} · {consolation}", t.prize_sold_out),
            (_, _, Some(consolation)) => consolation.clone(),
            _ => String::new(),
        });
        self.chances = Some(play.chances_left);
        self.prize_waiting = matches!(play.fulfilment, Fulfilment::ToClaim | Fulfilment::ToPickUp);
    }

    pub fn can_play(&self) -> bool {
        self.state == "running"
    }
}

/// "0.1250" → "12.50".
fn percent(odds: &str) -> String {
    let ten_thousandths: i64 = odds.replace('.', "").parse().unwrap_or(0);
    format!("{}.{:02}", ten_thousandths / 100, ten_thousandths % 100)
}
