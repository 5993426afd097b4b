//! The flash sales' front gate: turns the crowd away before it reaches the database. One atomic
//! kv step ([`bazaar_kv::Kv::take_within_limit`], a Lua script on Redis, shared by every gateway)
//! checks the window, the buyer's count and the units left. The database stays the authority
//! (see [`crate::flash`]): the gate may only let too many through, which the database then
//! refuses, never keep a unit from being sold for long:
//! - its count of units left is loaded from the database and expires every few seconds, so units
//!   a cancelled or timed-out order gave back, or a gateway that died between the gate and the
//!   database took, are seen again within that time;
//! - each buyer's count expires as soon, so a buyer whose order was cancelled may buy again;
//! - a request the database refused after the gate let it through gives its unit back at once;
//! - a retry of the request that placed a buyer's order (same Idempotency-Key) goes on to the
//!   database, which replays it;
//! - an unreachable kv lets everyone through to the database.

use crate::PromotionError;
use crate::flash::{self, FlashTerms};
use bazaar_core::ids::{FlashSaleId, UserId};
use bazaar_db::Database;
use bazaar_kv::{Gate, Kv, TakeOutcome};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// How long the gate trusts its count of units left (and of what each buyer holds) before
/// reloading it from the database.
const STOCK_TTL: Duration = Duration::from_secs(5);
/// Flash terms never change once made; a process keeps at most this many.
const TERMS_KEPT: usize = 1024;

/// What the gate decided.
#[derive(Debug)]
pub enum Admission {
    /// Go on to the database; `taken` units were counted at the gate and must be settled.
    Through { taken: i64 },
    /// Turned away, with the same refusal the database would give.
    Refused(PromotionError),
}

#[derive(Clone)]
pub struct FlashGate {
    db: Database,
    kv: Kv,
    terms: Arc<Mutex<HashMap<FlashSaleId, FlashTerms>>>,
}

fn stock_key(sale: FlashSaleId) -> String {
    format!("flash:{sale}:left")
}

fn holder_key(sale: FlashSaleId, buyer: UserId) -> String {
    format!("flash:{sale}:buyer:{buyer}")
}

fn buyer_placed_key(sale: FlashSaleId, buyer: UserId) -> String {
    format!("flash:{sale}:placed:{buyer}")
}

/// Where the gate counts the requests it turned away (the seller's report shows them).
fn refused_key(sale: FlashSaleId) -> String {
    format!("flash:{sale}:refused")
}

fn unix_ms(at: chrono::DateTime<chrono::Utc>) -> i64 {
    at.timestamp_millis()
}

impl FlashGate {
    pub fn new(db: Database, kv: Kv) -> FlashGate {
        FlashGate { db, kv, terms: Arc::default() }
    }

    /// The sale's terms, from memory after the first read.
    pub async fn terms(&self, sale: FlashSaleId) -> Result<FlashTerms, PromotionError> {
        if let Some(terms) = lock(&self.terms).get(&sale) {
            return Ok(*terms);
        }
        let terms = self.db.run(move |conn| flash::terms_of(conn, sale)).await?;
        let mut kept = lock(&self.terms);
        if kept.len() >= TERMS_KEPT {
            kept.clear();
        }
        kept.insert(sale, terms);
        Ok(terms)
    }

    /// Asks the gate to let `quantity` units through for `buyer`, whose request carries `key`.
    pub async fn admit(&self, terms: &FlashTerms, buyer: UserId, key: &str, quantity: i64) -> Admission {
        let (stock, holder) = (stock_key(terms.id), holder_key(terms.id, buyer));
        let (pass, refused) = (buyer_placed_key(terms.id, buyer), refused_key(terms.id));
        let gate = Gate {
            stock_key: &stock,
            holder_key: &holder,
            // The retry of the request that placed this buyer's order goes on to the replay.
            pass_key: &pass,
            pass: key,
            refused_key: &refused,
            limit: terms.per_user_limit,
            opens_at_ms: unix_ms(terms.starts_at),
            closes_at_ms: unix_ms(terms.ends_at),
            holder_ttl: STOCK_TTL,
        };
        for _ in 0..2 {
            return match self.kv.take_within_limit(gate, quantity).await {
                Ok(TakeOutcome::Taken(_)) => Admission::Through { taken: quantity },
                Ok(TakeOutcome::Replay) => Admission::Through { taken: 0 },
                Ok(TakeOutcome::Missing) => {
                    if !self.load_stock(terms.id, &stock).await {
                        return Admission::Through { taken: 0 };
                    }
                    continue;
                }
                Ok(TakeOutcome::OverLimit(_)) => Admission::Refused(flash::limit_reached(terms.per_user_limit)),
                Ok(TakeOutcome::NotOpen) => Admission::Refused(flash::not_started()),
                Ok(TakeOutcome::Closed) => Admission::Refused(flash::ended()),
                Ok(TakeOutcome::Insufficient(_)) => Admission::Refused(flash::sold_out()),
                Err(err) => {
                    tracing::warn!(error = %err, sale = %terms.id, "flash gate unreachable; the database decides alone");
                    Admission::Through { taken: 0 }
                }
            };
        }
        Admission::Through { taken: 0 }
    }

    /// After the database answered a request the gate let through: `give_back` units the gate
    /// counted that no new order took return to its count, and the key of a request that placed
    /// an order now is kept, so its retries reach the database's replay.
    pub async fn settle(&self, terms: &FlashTerms, buyer: UserId, key: &str, give_back: i64, placed_now: bool) {
        if placed_now {
            let ttl = (terms.ends_at - chrono::Utc::now()).to_std().unwrap_or_default() + Duration::from_secs(86_400);
            let _ = self.kv.set(&buyer_placed_key(terms.id, buyer), key, Some(ttl)).await;
        }
        if give_back > 0 {
            // With the count's lifetime: had it expired meanwhile, the give-back must not outlive
            // it. (Given back to a count reloaded since, it lets one more through to the database,
            // which refuses it.)
            let _ = self.kv.incr(&stock_key(terms.id), give_back, Some(STOCK_TTL)).await;
            let _ = self.kv.incr(&holder_key(terms.id, buyer), -give_back, Some(STOCK_TTL)).await;
        }
    }

    /// Requests turned away at the gate so far.
    pub async fn refused(&self, sale: FlashSaleId) -> i64 {
        match self.kv.get(&refused_key(sale)).await {
            Ok(Some(count)) => count.parse().unwrap_or(0),
            _ => 0,
        }
    }

    /// Loads the count of units left from the database; false if it could not (the request then
    /// goes on to the database, which decides alone).
    async fn load_stock(&self, sale: FlashSaleId, key: &str) -> bool {
        let left = match self.db.run(move |conn| flash::remaining(conn, sale)).await {
            Ok(left) => left,
            Err(err) => {
                tracing::warn!(error = %err, %sale, "flash gate could not read the units left");
                return false;
            }
        };
        match self.kv.set_if_absent(key, &left.to_string(), Some(STOCK_TTL)).await {
            Ok(_) => true,
            Err(err) => {
                tracing::warn!(error = %err, %sale, "flash gate could not load its count");
                false
            }
        }
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}
