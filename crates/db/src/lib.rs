//! Storage for Bazaar: one portable diesel schema, served by SQLite (the embedded default, a file
//! under `data/`) or PostgreSQL (production), through a single connection type.
//!
//! Domain crates write each query once against [`DbConn`]; the backend is picked from the URL.
//! Handlers never touch a connection on an async worker: [`Database::run`] moves the work (and the
//! wait for a pooled connection) to the blocking pool.

mod breaker;
mod connection;
mod error;
mod migrate;
pub mod outbox;
mod pool;
pub mod schema;
#[cfg(feature = "testing")]
pub mod testing;
mod transaction;
mod url;

pub use connection::DbConn;

/// Runs the same diesel code on the backend's own connection (`SqliteConnection` or
/// `PgConnection`) instead of through [`DbConn`]. The query is still written once; the macro
/// compiles it for each backend. Why: through the multi-backend wrapper diesel renders a query's
/// SQL text twice on every execution (to check it may be cached, then to bind), even when the
/// prepared statement is cached — measured at a third of a product-page miss. Meant for hot reads;
/// everything else keeps using [`DbConn`] directly.
///
/// For example `bazaar_db::native!(conn, |c| things::table.find(id).get_result::<Thing>(c))`.
#[macro_export]
macro_rules! native {
    ($conn:expr, |$c:ident| $body:expr) => {
        match $conn {
            $crate::DbConn::Sqlite($c) => $body,
            $crate::DbConn::Postgres($c) => $body,
        }
    };
}
pub use error::DbError;
pub use migrate::{applied_migrations, run_migrations};
pub use pool::{Database, PoolSettings, PoolStatus};
pub use transaction::{LockPurpose, serialize_writers, write_transaction};
pub use url::{Backend, DatabaseUrl, redact_url_password};
