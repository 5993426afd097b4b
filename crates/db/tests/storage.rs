//! The pool, the blocking-pool helper, write transactions and the outbox, on every backend here.

use bazaar_core::ids::EventId;
use bazaar_db::outbox::{self, NewOutboxEvent};
use bazaar_db::testing::TestDatabase;
use bazaar_db::{Database, DatabaseUrl, DbError, PoolSettings, run_migrations, write_transaction};
use chrono::Utc;
use diesel::prelude::*;

fn database(test_db: &TestDatabase) -> Database {
    let db = Database::connect(test_db.url(), &PoolSettings::default()).expect("connect");
    run_migrations(&mut db.get().expect("a connection")).expect("migrate");
    db
}

fn event(entity_id: i64) -> NewOutboxEvent<'static> {
    NewOutboxEvent {
        topic: "product",
        entity_id,
        kind: "updated",
        payload: r#"{"title":"手机"}"#,
        created_at: Utc::now().naive_utc(),
    }
}

#[tokio::test]
async fn outbox_is_read_in_order_and_positions_persist() {
    for test_db in TestDatabase::all() {
        let db = database(&test_db);
        let (first, events, reached) = db
            .run(|conn| {
                let first = outbox::append(conn, &event(1))?;
                outbox::append(conn, &event(2))?;
                outbox::append(conn, &event(3))?;
                let events = outbox::read_after(conn, first, 10)?;
                outbox::save_position(conn, "search", EventId(events[0].id), Utc::now().naive_utc())?;
                outbox::save_position(conn, "search", EventId(events[1].id), Utc::now().naive_utc())?;
                let reached = outbox::position(conn, "search")?;
                Ok::<_, DbError>((first, events, reached))
            })
            .await
            .unwrap();
        assert_eq!(events.iter().map(|e| e.entity_id).collect::<Vec<_>>(), [2, 3]);
        assert_eq!(events[0].payload, r#"{"title":"手机"}"#);
        assert!(events[0].id > first.get());
        assert_eq!(reached, EventId(events[1].id));
        let fresh = db.run(|conn| outbox::position(conn, "never-ran")).await.unwrap();
        assert_eq!(fresh, EventId(0));
    }
}

#[tokio::test]
async fn failed_write_transactions_leave_nothing_behind() {
    for test_db in TestDatabase::all() {
        let db = database(&test_db);
        let result = db
            .run(|conn| {
                write_transaction(conn, |conn| {
                    outbox::append(conn, &event(7))?;
                    Err::<(), DbError>(DbError::Migration("simulated failure mid-transaction".into()))
                })
            })
            .await;
        assert!(result.is_err());
        let left = db.run(|conn| outbox::read_after(conn, EventId(0), 10)).await.unwrap();
        assert!(left.is_empty(), "rolled back, yet found {left:?}");
    }
}

#[tokio::test]
async fn concurrent_writers_all_succeed() {
    // Without BEGIN IMMEDIATE, SQLite writers that upgrade from read to write fail with BUSY.
    for test_db in TestDatabase::all() {
        let db = database(&test_db);
        let writers = (0..16).map(|n| {
            let db = db.clone();
            tokio::spawn(async move {
                db.run(move |conn| {
                    write_transaction(conn, |conn| {
                        let seen = outbox::read_after(conn, EventId(0), 1000)?.len();
                        outbox::append(conn, &event(n))?;
                        Ok::<_, DbError>(seen)
                    })
                })
                .await
            })
        });
        for writer in writers {
            writer.await.expect("task").expect("write transaction");
        }
        let all = db.run(|conn| outbox::read_after(conn, EventId(0), 1000)).await.unwrap();
        assert_eq!(all.len(), 16, "on {}", db.backend());
    }
}

#[test]
fn sqlite_connections_have_wal_busy_timeout_and_foreign_keys() {
    #[derive(QueryableByName)]
    struct Pragma {
        #[diesel(sql_type = diesel::sql_types::Text)]
        value: String,
    }
    let test_db = TestDatabase::sqlite();
    let db = database(&test_db);
    let mut conn = db.get().unwrap();
    let bazaar_db::DbConn::Sqlite(sqlite) = &mut *conn else { panic!("expected SQLite") };
    // Each pragma's table-valued function names its one column differently.
    let pragma = |sqlite: &mut diesel::SqliteConnection, name: &str| -> String {
        let column = if name == "busy_timeout" { "timeout" } else { name };
        diesel::sql_query(format!("SELECT CAST({column} AS TEXT) AS value FROM pragma_{name}"))
            .get_result::<Pragma>(sqlite)
            .unwrap()
            .value
    };
    assert_eq!(pragma(sqlite, "journal_mode"), "wal");
    assert_eq!(pragma(sqlite, "foreign_keys"), "1");
    assert_eq!(pragma(sqlite, "busy_timeout"), "5000");
}

#[test]
fn unreachable_postgres_reports_the_real_error() {
    let url = DatabaseUrl::parse("postgres://postgres@127.0.0.1:1/none").unwrap();
    let err = Database::connect(&url, &PoolSettings::default()).err().expect("must fail");
    let message = err.to_string();
    assert!(matches!(err, DbError::Connect { .. }), "{message}");
    assert!(message.contains("cannot connect to postgres"), "{message}");
    assert!(message.to_lowercase().contains("refused"), "the server's own reason is kept: {message}");
}

#[test]
fn unusable_sqlite_directory_is_named() {
    let file = tempfile::NamedTempFile::new().unwrap();
    // A directory "inside" a regular file can never be created, even by root.
    let url = DatabaseUrl::sqlite_file(file.path().join("data").join("bazaar.db"));
    let err = Database::connect(&url, &PoolSettings::default()).err().expect("must fail");
    assert!(matches!(err, DbError::DataDir { .. }), "{err}");
    assert!(err.to_string().contains(&file.path().display().to_string()), "{err}");
}

/// Ids of money-bearing rows are never handed out twice: after the newest checkout is gone (a
/// rolled-back storage fault, a deletion), the next one gets a new id, not the old one.
#[test]
fn sqlite_never_reuses_the_ids_of_money_bearing_rows() {
    let test_db = TestDatabase::sqlite();
    let db = database(&test_db);
    let mut conn = db.get().expect("a connection");
    #[derive(QueryableByName)]
    struct Sql {
        #[diesel(sql_type = diesel::sql_types::Text)]
        sql: String,
    }
    for table in
        ["checkouts", "orders", "order_items", "refund_requests", "payments", "payment_refunds", "in_store_payments"]
    {
        let found: Sql = bazaar_db::native!(&mut *conn, |c| diesel::sql_query(format!(
            "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = '{table}'"
        ))
        .get_result(c))
        .expect(table);
        assert!(found.sql.contains("AUTOINCREMENT"), "{table}: {}", found.sql);
    }
    let insert = "INSERT INTO checkouts (user_id, idempotency_key, request_hash, response, created_at) \
                  VALUES (1, lower(hex(randomblob(8))), 'h', '{}', '2026-12-01 00:00:00')";
    #[derive(QueryableByName)]
    struct Id {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        id: i64,
    }
    let newest = |conn: &mut bazaar_db::DbConn| -> i64 {
        bazaar_db::native!(conn, |c| diesel::sql_query("SELECT max(id) AS id FROM checkouts").get_result::<Id>(c))
            .expect("max id")
            .id
    };
    bazaar_db::native!(&mut *conn, |c| diesel::sql_query("PRAGMA foreign_keys = OFF").execute(c)).unwrap();
    bazaar_db::native!(&mut *conn, |c| diesel::sql_query(insert).execute(c)).unwrap();
    let first = newest(&mut conn);
    bazaar_db::native!(&mut *conn, |c| diesel::sql_query(format!("DELETE FROM checkouts WHERE id = {first}"))
        .execute(c))
    .unwrap();
    bazaar_db::native!(&mut *conn, |c| diesel::sql_query(insert).execute(c)).unwrap();
    let second = newest(&mut conn);
    bazaar_db::native!(&mut *conn, |c| diesel::sql_query("PRAGMA foreign_keys = ON").execute(c)).unwrap();
    assert!(second > first, "id {first} was given out again");
}
