//! Storage for Bazaar: one portable diesel schema, served by SQLite (the embedded default, a file
//! under `data/`) or PostgreSQL (production), through a single connection type.
//!
//! Domain crates write each query once against [`DbConn`]; the backend is picked from the URL.
//! Handlers never touch a connection on an async worker: [`Database::run`] moves the work (and the
//! wait for a pooled connection) to the blocking pool.

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
pub use error::DbError;
pub use migrate::{applied_migrations, run_migrations};
pub use pool::{Database, PoolSettings, PoolStatus};
pub use transaction::write_transaction;
pub use url::{Backend, DatabaseUrl, redact_url_password};
