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
const SQLITE_SETUP: &str = "PRAGMA journal_mode = WAL;\
    PRAGMA busy_timeout = 5000;\
    PRAGMA foreign_keys = ON;\
    PRAGMA synchronous = NORMAL;";

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
                conn.batch_execute(SQLITE_SETUP)?;
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
