//! Work another crate writes with the orders a checkout places, in the order's own transaction.
//! Checkout does not know who asks: campaigns, above it, credits the orders to the visit that
//! brought the buyer, and a crash can no longer fall between the order and its credit.

use bazaar_core::ids::{OrderId, UserId};
use bazaar_db::DbConn;
use chrono::NaiveDateTime;
use std::sync::Arc;

/// Why a step alongside the orders failed: logged, never the checkout's failure.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct AlongsideFailed(pub String);

impl From<diesel::result::Error> for AlongsideFailed {
    fn from(err: diesel::result::Error) -> Self {
        AlongsideFailed(err.to_string())
    }
}

type Step = dyn Fn(&mut DbConn, UserId, &[OrderId], NaiveDateTime) -> Result<(), AlongsideFailed> + Send + Sync;

/// A step run after the orders are written and before they commit, in a savepoint: when it
/// fails, only its own writes are undone and the orders are placed all the same. A replayed
/// checkout (a repeated key) runs no step.
#[derive(Clone, Default)]
pub struct Alongside(Option<Arc<Step>>);

impl Alongside {
    /// Nothing alongside.
    pub fn nothing() -> Alongside {
        Alongside(None)
    }

    pub fn step(
        step: impl Fn(&mut DbConn, UserId, &[OrderId], NaiveDateTime) -> Result<(), AlongsideFailed> + Send + Sync + 'static,
    ) -> Alongside {
        Alongside(Some(Arc::new(step)))
    }

    pub(crate) fn run(&self, conn: &mut DbConn, user: UserId, orders: &[OrderId], now: NaiveDateTime) {
        use diesel::Connection;
        let Some(step) = &self.0 else { return };
        if let Err(err) = conn.transaction::<(), AlongsideFailed, _>(|conn| step(conn, user, orders, now)) {
            tracing::warn!(error = %err, orders = ?orders, "a step alongside placed orders failed; the orders stand");
        }
    }
}
