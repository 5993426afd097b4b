//! The prizes side of [`Campaigns`]: what a winner won and claims, and what the shop ships.

use crate::CampaignError;
use crate::prizes::{self, ClaimItem, Winner, WonPrize};
use crate::service::{Campaigns, managed_draw};
use bazaar_core::ids::{DrawId, OrderId, PlayId};
use bazaar_db::write_transaction;
use bazaar_identity::Principal;

impl Campaigns {
    /// The shop hands over an item its winner collects at the counter, on the winner's code.
    pub async fn hand_over_prize(
        &self,
        principal: &Principal,
        play: PlayId,
        code: String,
    ) -> Result<(), CampaignError> {
        let principal = principal.clone();
        self.write(move |conn| {
            let draw = prizes::draw_of_play(conn, play)?;
            managed_draw(conn, &principal, draw)?;
            prizes::hand_over(conn, play, &code)
        })
        .await
    }

    pub async fn my_prizes(&self, principal: &Principal) -> Result<Vec<WonPrize>, CampaignError> {
        let user = principal.user_id;
        self.db.run(move |conn| prizes::of_user(conn, user)).await
    }

    /// Claims an item prize with an address; the shop's order that ships it.
    pub async fn claim_prize(
        &self,
        principal: &Principal,
        play: PlayId,
        claim: ClaimItem,
    ) -> Result<OrderId, CampaignError> {
        let user = principal.user_id;
        self.write(move |conn| prizes::claim_item(conn, user, play, &claim)).await
    }

    pub async fn winners(&self, principal: &Principal, id: DrawId) -> Result<Vec<Winner>, CampaignError> {
        let principal = principal.clone();
        self.db
            .run(move |conn| {
                managed_draw(conn, &principal, id)?;
                prizes::winners(conn, id)
            })
            .await
    }

    /// The shop ships an item prize: its prize order is shipped through checkout (as the shop's
    /// orders page would), then the prize is marked sent.
    pub async fn ship_prize(
        &self,
        principal: &Principal,
        play: PlayId,
        carrier: String,
        tracking: String,
    ) -> Result<(), CampaignError> {
        let principal = principal.clone();
        self.db
            .run(move |conn| {
                let draw = prizes::draw_of_play(conn, play)?;
                managed_draw(conn, &principal, draw)?;
                let tracking_text = bazaar_core::user_text(&tracking, 1, 40, false)
                    .map_err(|_| CampaignError::invalid("tracking_number", "must be 1 to 40 characters"))?;
                if let Some(order) = prizes::order_to_ship(conn, play)? {
                    // Shipped already through the shop's orders (or a retry after a lost answer):
                    // only the prize is left to mark.
                    let waiting = bazaar_checkout::order_states(conn, &[order])?
                        .iter()
                        .any(|(_, status, _)| *status == bazaar_checkout::OrderStatus::Paid);
                    if waiting {
                        bazaar_checkout::ship_order(conn, order, &principal, carrier, tracking)?;
                    }
                }
                write_transaction(conn, |conn| prizes::mark_sent(conn, play, &tracking_text))
            })
            .await
    }
}
