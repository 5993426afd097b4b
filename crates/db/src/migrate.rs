//! Embedded migrations, one folder per backend with the same migration names.

use crate::{DbConn, DbError};
use diesel::connection::SimpleConnection;
use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};

const SQLITE: EmbeddedMigrations = embed_migrations!("../../migrations/sqlite");
const POSTGRES: EmbeddedMigrations = embed_migrations!("../../migrations/postgres");

fn migrations_for(conn: &DbConn) -> EmbeddedMigrations {
    match conn {
        DbConn::Sqlite(_) => SQLITE,
        DbConn::Postgres(_) => POSTGRES,
    }
}

/// Any constant: it names the lock gateways take while migrating PostgreSQL.
const MIGRATION_LOCK_KEY: i64 = 0x6261_7a61_6172; // "bazaar"

/// Applies pending migrations; returns the names of those applied now.
///
/// Several gateways starting at once against one PostgreSQL would race to create the same tables,
/// so there they take turns under a session advisory lock. On SQLite the whole run is one
/// `BEGIN IMMEDIATE` transaction, which queues concurrent runs behind the write lock.
pub fn run_migrations(conn: &mut DbConn) -> Result<Vec<String>, DbError> {
    let migrations = migrations_for(conn);
    let apply = |conn: &mut DbConn| -> Result<Vec<String>, DbError> {
        let applied = conn.run_pending_migrations(migrations).map_err(|err| DbError::Migration(err.to_string()))?;
        Ok(applied.iter().map(ToString::to_string).collect())
    };
    match conn {
        DbConn::Sqlite(_) => {
            // A migration that rebuilds a table (SQLite's only way to change a column) must run
            // with foreign keys off, which SQLite allows only outside a transaction; every
            // reference is checked before the run commits instead, and the setting restored.
            conn.batch_execute("PRAGMA foreign_keys = OFF")?;
            let applied = crate::write_transaction(conn, |conn| {
                let applied = apply(conn)?;
                require_valid_references(conn)?;
                Ok(applied)
            });
            conn.batch_execute("PRAGMA foreign_keys = ON")?;
            applied
        }
        DbConn::Postgres(_) => {
            conn.batch_execute(&format!("SELECT pg_advisory_lock({MIGRATION_LOCK_KEY})"))?;
            let applied = apply(conn);
            conn.batch_execute(&format!("SELECT pg_advisory_unlock({MIGRATION_LOCK_KEY})"))?;
            applied
        }
    }
}

/// Names of the migrations already applied, oldest first.
pub fn applied_migrations(conn: &mut DbConn) -> Result<Vec<String>, DbError> {
    let mut applied: Vec<String> = conn
        .applied_migrations()
        .map_err(|err| DbError::Migration(err.to_string()))?
        .iter()
        .map(ToString::to_string)
        .collect();
    applied.sort();
    Ok(applied)
}

/// Refuses to commit migrations that left a row referring to one that does not exist.
fn require_valid_references(conn: &mut DbConn) -> Result<(), DbError> {
    #[derive(diesel::QueryableByName)]
    struct Dangling {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        count: i64,
    }
    use diesel::RunQueryDsl;
    let found = crate::native!(conn, |c| diesel::sql_query("SELECT count(*) AS count FROM pragma_foreign_key_check")
        .get_result::<Dangling>(c))?;
    if found.count > 0 {
        return Err(DbError::Migration(format!("{} rows refer to rows that do not exist", found.count)));
    }
    Ok(())
}
