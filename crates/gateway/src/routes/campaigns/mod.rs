//! Campaigns: QR-code campaigns and their placements (the seller console and administrators),
//! the funnel, and lucky draws (shops run them, anyone signed in plays).

pub mod draws;
pub mod seller;

use crate::state::AppState;
use actix_web::HttpRequest;
use bazaar_checkout::CheckoutResult;
use bazaar_identity::Principal;

/// Credits orders placed just now to the buyer's last campaign touch (the attribution cookie,
/// or visits made signed in). Off the order's path: a failure is logged and costs only the
/// statistic; each order is credited at most once whatever happens.
pub fn credit_orders(
    state: &AppState,
    principal: &Principal,
    req: &HttpRequest,
    placed: &CheckoutResult,
    placed_now: bool,
) {
    if !placed_now || placed.orders.is_empty() {
        return;
    }
    let campaigns = state.campaigns.clone();
    let user = principal.user_id;
    let orders = placed.orders.iter().map(|order| order.id).collect();
    let visitor = crate::h5::campaigns::visitor_id(req);
    tokio::spawn(async move {
        if let Err(err) = campaigns.attribute(user, orders, visitor).await {
            tracing::warn!(error = %err, "crediting orders to a campaign failed");
        }
    });
}
