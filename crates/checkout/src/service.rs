//! [`Orders`]: placing and reading orders, on the blocking pool.

use crate::CheckoutError;
use crate::orders::{self, CheckoutResult, OrderView, PlaceOrder, Placed};
use bazaar_catalog::Catalog;
use bazaar_db::Database;

#[derive(Clone)]
pub struct Orders {
    db: Database,
    catalog: Catalog,
}

impl Orders {
    pub fn new(db: Database, catalog: Catalog) -> Orders {
        Orders { db, catalog }
    }

    /// Places the checkout (or replays it for a repeated key). Returns the result and whether it
    /// was placed now (false: the same request was already placed under this key).
    pub async fn place(
        &self,
        user_id: i64,
        key: String,
        request: PlaceOrder,
    ) -> Result<(CheckoutResult, bool), CheckoutError> {
        let placed = self.db.run(move |conn| orders::place(conn, user_id, &key, &request)).await;
        let placed = match placed {
            // Two requests with one key at once on PostgreSQL: the loser's insert hits the unique
            // index after the winner commits; reading again replays the winner's answer.
            Err(CheckoutError::Db(bazaar_db::DbError::Query(diesel::result::Error::DatabaseError(
                diesel::result::DatabaseErrorKind::UniqueViolation,
                _,
            )))) => {
                return Err(CheckoutError::Conflict {
                    code: "idempotency_key_in_flight",
                    message: "a request with this Idempotency-Key is still being placed; retry".into(),
                });
            }
            other => other?,
        };
        match placed {
            Placed::New(result, changed) => {
                self.catalog.products_changed(&changed).await;
                Ok((result, true))
            }
            Placed::Replayed(result) => Ok((result, false)),
        }
    }

    pub async fn list(&self, user_id: i64, before: Option<i64>, limit: i64) -> Result<Vec<OrderView>, CheckoutError> {
        self.db.run(move |conn| orders::list(conn, user_id, before, limit)).await
    }

    pub async fn get(&self, user_id: i64, order_id: i64) -> Result<OrderView, CheckoutError> {
        self.db.run(move |conn| orders::load(conn, user_id, order_id)).await
    }
}
