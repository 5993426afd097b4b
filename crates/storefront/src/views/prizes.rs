//! A winner's prizes (`/m/me/prizes`): each prize with where it stands; an item to claim with the
//! winner's addresses to choose from, an item to collect with the code to show at the shop, a
//! shipped item with its order and tracking number.

use super::Chrome;
use super::addresses::address_label;
use super::paying::china_time;
use crate::Messages;
use askama::Template;
use bazaar_campaigns::{Fulfilment, WonPrize};
use bazaar_identity::AddressView;

pub struct PrizeRow {
    pub play_id: i64,
    pub prize_name: String,
    pub draw_name: String,
    pub draw_href: String,
    pub won_at: String,
    /// The fulfilment's wire name, for the page's data attribute.
    pub state: &'static str,
    pub state_label: &'static str,
    pub claimable: bool,
    pub pickup_code: Option<String>,
    pub ship_to: Option<String>,
    pub tracking_number: Option<String>,
    pub order_href: Option<String>,
}

pub struct AddressChoice {
    pub id: i64,
    pub label: String,
    pub is_default: bool,
}

#[derive(Template)]
#[template(path = "prizes.html")]
pub struct PrizesPage {
    pub chrome: Chrome,
    pub prizes: Vec<PrizeRow>,
    pub addresses: Vec<AddressChoice>,
    /// A claim just refused: the prize's play and why.
    pub error: Option<(i64, String)>,
}

impl PrizesPage {
    pub fn new(chrome: Chrome, prizes: &[WonPrize], addresses: &[AddressView]) -> PrizesPage {
        let t = chrome.t;
        PrizesPage {
            prizes: prizes.iter().map(|prize| row(t, prize)).collect(),
            addresses: addresses
                .iter()
                .map(|address| AddressChoice {
                    id: address.id.0,
                    label: address_label(address),
                    is_default: address.is_default,
                })
                .collect(),
            error: None,
            chrome,
        }
    }

    /// The refusal shown under this prize's claim form, if it was the one refused.
    pub fn error_for(&self, play_id: &i64) -> Option<&str> {
        self.error.as_ref().filter(|(play, _)| play == play_id).map(|(_, message)| message.as_str())
    }
}

fn row(t: &'static Messages, prize: &WonPrize) -> PrizeRow {
    PrizeRow {
        play_id: prize.play_id.get(),
        prize_name: prize.prize_name.clone(),
        draw_name: prize.draw_name.clone(),
        draw_href: format!("/m/draws/{}", prize.draw_id),
        won_at: china_time(prize.won_at),
        state: prize.fulfilment.as_str(),
        state_label: fulfilment_label(t, prize.fulfilment),
        claimable: prize.fulfilment == Fulfilment::ToClaim,
        pickup_code: prize.pickup_code.clone().filter(|_| prize.fulfilment == Fulfilment::ToPickUp),
        ship_to: prize.ship_to.clone(),
        tracking_number: prize.tracking_number.clone(),
        order_href: prize.order_id.map(|order| format!("/m/orders/{order}")),
    }
}

pub fn fulfilment_label(t: &'static Messages, fulfilment: Fulfilment) -> &'static str {
    match fulfilment {
        Fulfilment::None => t.prize_nothing,
        Fulfilment::Given => t.prize_given,
        Fulfilment::ToClaim => t.prize_to_claim,
        Fulfilment::ToShip => t.to_ship,
        Fulfilment::Sent => t.prize_sent,
        Fulfilment::ToPickUp => t.prize_to_pick_up,
        Fulfilment::PickedUp => t.prize_picked_up,
    }
}
