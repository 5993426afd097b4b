//! The one connection type. Queries written against it run on either backend.

use crate::{Backend, DatabaseUrl, DbError};
use diesel::connection::SimpleConnection;
use diesel::{Connection, PgConnection, SqliteConnection};

#[derive(diesel::MultiConnection)]
pub enum DbConn {
    Postgres(PgConnection),
    Sqlite(SqliteConnection),
}

/// SQLite under a multi-threaded web server: WAL so readers never block the writer, a busy timeout
/// so writers queue instead of failing with SQLITE_BUSY, and foreign keys (off by default!).
/// The timeout comes first: switching to WAL takes a lock and must wait for it like anything else.
/// Reads go through a memory map (no `pread` per page) and each connection keeps 16 MB of pages.
/// `synchronous = FULL`: every commit is on disk before it is acknowledged. With NORMAL a storage
/// fault (a forced read-only remount, power loss) dropped the last seconds of acknowledged orders.
const SQLITE_SETUP: &str = "PRAGMA busy_timeout = 5000;\
    PRAGMA journal_mode = WAL;\
    PRAGMA foreign_keys = ON;\
    PRAGMA synchronous = FULL;\
    PRAGMA mmap_size = 268435456;\
    PRAGMA cache_size = -16000;";

impl DbConn {
    /// Opens one connection to the backend the URL names, with the real error if it fails.
    pub fn open(url: &DatabaseUrl) -> Result<DbConn, DbError> {
        match url {
            DatabaseUrl::Postgres(raw) => PgConnection::establish(raw)
                .map(DbConn::Postgres)
                .map_err(|source| DbError::Connect { backend: Backend::Postgres, source }),
            DatabaseUrl::Sqlite(path) => {
                let path_text = path
                    .to_str()
                    .ok_or_else(|| DbError::InvalidUrl { reason: "the SQLite path is not valid UTF-8".into() })?;
                let mut conn = SqliteConnection::establish(path_text)
                    .map_err(|source| DbError::Connect { backend: Backend::Sqlite, source })?;
                prepare_sqlite(&mut conn)?;
                Ok(DbConn::Sqlite(conn))
            }
        }
    }

    pub fn backend(&self) -> Backend {
        match self {
            DbConn::Postgres(_) => Backend::Postgres,
            DbConn::Sqlite(_) => Backend::Sqlite,
        }
    }
}

/// Applies [`SQLITE_SETUP`]. Switching a new file to WAL answers "database is locked" at once,
/// without waiting on `busy_timeout`, while another connection is doing the same; WAL then
/// persists in the file, so a short bounded retry settles it.
fn prepare_sqlite(conn: &mut SqliteConnection) -> Result<(), DbError> {
    const ATTEMPTS: u32 = 50;
    for attempt in 1..=ATTEMPTS {
        match conn.batch_execute(SQLITE_SETUP) {
            Ok(()) => return Ok(()),
            Err(err) if attempt < ATTEMPTS && err.to_string().contains("database is locked") => {
                std::thread::sleep(std::time::Duration::from_millis(10 * u64::from(attempt.min(10))));
            }
            Err(err) => return Err(err.into()),
        }
    }
    Ok(())
}
