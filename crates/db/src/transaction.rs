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
