//! What every handler can reach: configuration, the database, the kv store.

use crate::config::Config;
use bazaar_catalog::Catalog;
use bazaar_chat::Chat;
use bazaar_checkout::{Cart, Orders};
use bazaar_db::Database;
use bazaar_identity::Identity;
use bazaar_kv::Kv;
use bazaar_pay_sandbox::Sandbox;
use bazaar_payments::Payments;
use bazaar_search::Search;
use std::sync::Arc;

#[derive(Clone)]
pub struct AppState {
    pub config: Arc<Config>,
    pub db: Database,
    pub kv: Kv,
    pub identity: Identity,
    pub catalog: Catalog,
    pub cart: Cart,
    pub orders: Orders,
    pub chat: Chat,
    pub search: Search,
    pub payments: Payments,
    pub promotions: bazaar_promotions::Promotions,
    pub campaigns: bazaar_campaigns::Campaigns,
    /// The payment sandboxes and wallet, when any provider is the sandbox.
    pub pay_sandbox: Option<Sandbox>,
}
