//! Embedded migrations, one folder per backend with the same migration names.

use crate::{DbConn, DbError};
use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};

const SQLITE: EmbeddedMigrations = embed_migrations!("../../migrations/sqlite");
const POSTGRES: EmbeddedMigrations = embed_migrations!("../../migrations/postgres");

fn migrations_for(conn: &DbConn) -> EmbeddedMigrations {
    match conn {
        DbConn::Sqlite(_) => SQLITE,
        DbConn::Postgres(_) => POSTGRES,
    }
}

/// Applies pending migrations; returns the names of those applied now.
pub fn run_migrations(conn: &mut DbConn) -> Result<Vec<String>, DbError> {
    let migrations = migrations_for(conn);
    let applied = conn.run_pending_migrations(migrations).map_err(|err| DbError::Migration(err.to_string()))?;
    Ok(applied.iter().map(ToString::to_string).collect())
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
