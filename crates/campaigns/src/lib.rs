//! Campaigns: short links (`/s/{code}`) and their visits, QR-code campaigns whose placements each
//! carry a short link, the orders credited to a campaign touch, lucky draws (抽奖) whose every
//! outcome anyone can recompute after the end, and each campaign's funnel. Coupons and points
//! move through promotions' functions inside this crate's transactions; orders are read through
//! checkout's.

mod attribution;
mod campaigns;
mod codes;
mod config;
mod draw_checks;
mod draws;
mod error;
mod funnel;
mod links;
mod outcome;
mod play;
mod prize_service;
mod prizes;
pub mod qr;
mod service;
mod targets;
mod visits;

pub use attribution::{new_visitor_id, visitor_id_ok};
pub use campaigns::{CampaignInput, CampaignState, CampaignView, PlacementInput, PlacementView};
pub use config::CampaignsConfig;
pub use draws::{Audience, DrawInput, DrawState, DrawView, PRIZE_VALUE_CAP_FEN, PrizeInput, PrizeKind, PrizeView};
pub use error::CampaignError;
pub use funnel::{Funnel, FunnelRow, to_csv};
pub use links::{DeadLink, Followed};
pub use outcome::{matches_commitment, pick, roll};
pub use play::{Fulfilment, Outcome, PlayView};
pub use prizes::{AuditedPlay, ClaimItem, DrawAudit, Winner, WonPrize, recompute};
pub use service::{Campaigns, EarnChance, Follower, Landing};
pub use targets::Target;
