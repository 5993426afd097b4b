//! Both backends' migrated schemas must have the same tables, columns, coarse types and
//! nullability, and both migration folders the same migrations, so they can never drift.

use bazaar_db::testing::{POSTGRES_ENV, TestDatabase};
use bazaar_db::{Database, DbConn, PoolSettings, applied_migrations, run_migrations};
use diesel::prelude::*;
use diesel::sql_types::{Bool, Text};
use std::collections::BTreeSet;

#[derive(QueryableByName, Debug)]
struct ColumnRow {
    #[diesel(sql_type = Text)]
    table_name: String,
    #[diesel(sql_type = Text)]
    column_name: String,
    #[diesel(sql_type = Text)]
    data_type: String,
    #[diesel(sql_type = Bool)]
    nullable: bool,
}

type Column = (String, String, &'static str, bool);

/// Types differ in spelling between backends; what must match is the kind of value.
fn coarse_type(raw: &str) -> &'static str {
    let raw = raw.to_ascii_lowercase();
    if raw.contains("int") {
        "integer"
    } else if raw.contains("char") || raw == "text" {
        "text"
    } else if raw.starts_with("timestamp") {
        "timestamp"
    } else if raw.starts_with("bool") {
        "boolean"
    } else if raw.contains("double") || raw == "real" || raw.contains("float") {
        "float"
    } else {
        "other"
    }
}

fn columns(conn: &mut DbConn) -> BTreeSet<Column> {
    let rows: Vec<ColumnRow> = match conn {
        DbConn::Sqlite(sqlite) => diesel::sql_query(
            "SELECT m.name AS table_name, p.name AS column_name, p.type AS data_type, \
                    (p.\"notnull\" = 0 AND p.pk = 0) AS nullable \
             FROM sqlite_master m JOIN pragma_table_info(m.name) p \
             WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%' \
               AND m.name <> '__diesel_schema_migrations'",
        )
        .load(sqlite)
        .expect("read the SQLite catalog"),
        DbConn::Postgres(pg) => diesel::sql_query(
            "SELECT table_name::text, column_name::text, data_type::text, (is_nullable = 'YES') AS nullable \
             FROM information_schema.columns \
             WHERE table_schema = current_schema() AND table_name <> '__diesel_schema_migrations'",
        )
        .load(pg)
        .expect("read the PostgreSQL catalog"),
    };
    rows.into_iter().map(|row| (row.table_name, row.column_name, coarse_type(&row.data_type), row.nullable)).collect()
}

fn migrated(database: &TestDatabase) -> DbConn {
    let db = Database::connect(database.url(), &PoolSettings::default()).expect("connect");
    drop(db);
    let mut conn = DbConn::open(database.url()).expect("open");
    run_migrations(&mut conn).expect("migrate");
    conn
}

#[test]
fn both_migration_folders_hold_the_same_migrations() {
    let names = |dir: &str| -> BTreeSet<String> {
        std::fs::read_dir(format!("{}/../../migrations/{dir}", env!("CARGO_MANIFEST_DIR")))
            .expect("migrations folder")
            .map(|entry| entry.expect("entry").file_name().to_string_lossy().into_owned())
            .collect()
    };
    assert_eq!(names("sqlite"), names("postgres"));
}

#[test]
fn sqlite_schema_matches_the_diesel_schema() {
    let database = TestDatabase::sqlite();
    let mut conn = migrated(&database);
    let found = columns(&mut conn);
    // Spot-check that the catalog query sees what schema.rs declares, so an empty query can't pass.
    assert!(found.contains(&("outbox_events".into(), "payload".into(), "text", false)), "{found:?}");
    assert!(found.contains(&("outbox_positions".into(), "position".into(), "integer", false)), "{found:?}");
    let folders = std::fs::read_dir(format!("{}/../../migrations/sqlite", env!("CARGO_MANIFEST_DIR"))).unwrap().count();
    assert_eq!(applied_migrations(&mut conn).unwrap().len(), folders, "every migration folder is applied");
}

#[test]
fn postgres_schema_equals_sqlite_schema() {
    let Some(url) = bazaar_core::test_env::backend_url_from_env(POSTGRES_ENV) else {
        eprintln!("{POSTGRES_ENV} not set: PostgreSQL parity not checked on this machine");
        return;
    };
    let sqlite = TestDatabase::sqlite();
    let postgres = TestDatabase::postgres(&url).expect("create the PostgreSQL test database");
    let sqlite_columns = columns(&mut migrated(&sqlite));
    let postgres_columns = columns(&mut migrated(&postgres));
    let only_sqlite: Vec<_> = sqlite_columns.difference(&postgres_columns).collect();
    let only_postgres: Vec<_> = postgres_columns.difference(&sqlite_columns).collect();
    assert!(
        only_sqlite.is_empty() && only_postgres.is_empty(),
        "schemas drifted\n only in SQLite: {only_sqlite:?}\n only in PostgreSQL: {only_postgres:?}"
    );
}

#[test]
fn migrating_twice_applies_nothing_new() {
    for database in TestDatabase::all() {
        let mut conn = migrated(&database);
        assert!(run_migrations(&mut conn).unwrap().is_empty());
    }
}

#[test]
fn concurrent_migrations_on_one_database_all_succeed() {
    // Several gateways starting together against one (PostgreSQL) database, or several pool
    // connections opening a brand-new SQLite file at once.
    for database in TestDatabase::all() {
        let url = database.url().clone();
        let runs: Vec<_> = (0..4)
            .map(|_| {
                let url = url.clone();
                std::thread::spawn(move || run_migrations(&mut DbConn::open(&url)?))
            })
            .collect();
        let applied: Vec<Vec<String>> =
            runs.into_iter().map(|run| run.join().expect("thread").expect("migrations succeed")).collect();
        assert_eq!(applied.iter().filter(|names| !names.is_empty()).count(), 1, "applied exactly once: {applied:?}");
    }
}
