//! Campaigns: QR-code campaigns and their placements (the seller console and administrators),
//! the funnel, and lucky draws (shops run them, anyone signed in plays).

pub mod draws;
pub mod seller;

use crate::state::AppState;
use actix_web::HttpRequest;

/// What placing an order writes alongside it for campaigns: the credit to the buyer's last
/// campaign touch (the attribution cookie, or visits made signed in), in the order's own
/// transaction. Each order is credited at most once whatever happens.
pub fn credit_alongside(state: &AppState, req: &HttpRequest) -> bazaar_checkout::Alongside {
    state.campaigns.credit_alongside(crate::h5::campaigns::visitor_id(req))
}
