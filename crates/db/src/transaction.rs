//! Write transactions that take the write lock up front.
//!
//! On SQLite a plain `BEGIN` starts as a reader and upgrades on its first write; two such
//! transactions upgrading at once make one fail with SQLITE_BUSY regardless of `busy_timeout`.
//! `BEGIN IMMEDIATE` queues writers at the start instead. PostgreSQL needs nothing special.

use crate::DbConn;
use diesel::Connection;
use diesel::connection::{AnsiTransactionManager, TransactionManager};

/// Runs `work` in a transaction that commits on `Ok` and rolls back on `Err`.
pub fn write_transaction<T, E, F>(conn: &mut DbConn, work: F) -> Result<T, E>
where
    F: FnOnce(&mut DbConn) -> Result<T, E>,
    E: From<diesel::result::Error>,
{
    let DbConn::Sqlite(sqlite) = conn else {
        return conn.transaction(work);
    };
    AnsiTransactionManager::begin_transaction_sql(sqlite, "BEGIN IMMEDIATE")?;
    let outcome = work(conn);
    let DbConn::Sqlite(sqlite) = conn else {
        unreachable!("the connection cannot change backend inside a transaction");
    };
    match outcome {
        Ok(value) => {
            AnsiTransactionManager::commit_transaction(sqlite)?;
            Ok(value)
        }
        Err(err) => {
            AnsiTransactionManager::rollback_transaction(sqlite)?;
            Err(err)
        }
    }
}

/// What a [`serialize_writers`] lock is for; two purposes never wait on each other.
#[derive(Debug, Clone, Copy)]
#[repr(i32)]
pub enum LockPurpose {
    /// A buyer's unpaid orders and reserved units (the hoarding caps).
    BuyerReservations = 1,
    /// A buyer's cart: a double-tapped add merges into one line instead of racing its insert.
    BuyerCart = 2,
}

/// Inside a [`write_transaction`]: makes writers that pass the same `(purpose, key)` run one
/// after the other until the transaction ends, so a count read afterwards cannot be raced by a
/// writer of the same key. SQLite's `BEGIN IMMEDIATE` already serialises every writer; on
/// PostgreSQL this takes a transaction-scoped advisory lock.
pub fn serialize_writers(conn: &mut DbConn, purpose: LockPurpose, key: i64) -> Result<(), diesel::result::Error> {
    use diesel::RunQueryDsl;
    use diesel::sql_types::Integer;
    let DbConn::Postgres(pg) = conn else { return Ok(()) };
    // The two-int4 form keeps purposes apart; folding the key into 32 bits can only make two
    // keys share a lock (they then wait for each other), never let one skip it.
    let folded = (key ^ (key >> 32)) as i32;
    diesel::sql_query("SELECT 1 FROM (SELECT pg_advisory_xact_lock($1, $2)) AS locked")
        .bind::<Integer, _>(purpose as i32)
        .bind::<Integer, _>(folded)
        .execute(pg)
        .map(|_| ())
}
