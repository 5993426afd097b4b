//! The demo seeder on every backend: products browsable, SKUs covering their specs, stock equal to
//! the ledger, and the same catalog for the same seed.

use bazaar_catalog::demo;
use bazaar_db::testing::TestDatabase;
use bazaar_db::{Database, DbConn, PoolSettings, run_migrations};
use diesel::prelude::*;
use diesel::sql_types::BigInt;

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

fn count(conn: &mut DbConn, sql: &str) -> i64 {
    match conn {
        DbConn::Sqlite(c) => diesel::sql_query(sql).get_result::<Count>(c).unwrap().n,
        DbConn::Postgres(c) => diesel::sql_query(sql).get_result::<Count>(c).unwrap().n,
    }
}

fn seeded(test_db: &TestDatabase, seed: u64) -> (Database, Vec<String>) {
    let db = Database::connect(test_db.url(), &PoolSettings::default()).unwrap();
    let mut conn = db.get().unwrap();
    run_migrations(&mut conn).unwrap();
    let mut calls = 0;
    let summary = demo::seed(&mut conn, 4, 1200, seed, &mut |_, _| calls += 1).unwrap();
    assert_eq!((summary.shops, summary.products), (4, 1200));
    assert_eq!(calls, 3, "progress after each batch of 500");
    let titles: Vec<String> = bazaar_db::schema::products::table
        .order(bazaar_db::schema::products::id.asc())
        .select(bazaar_db::schema::products::title)
        .limit(20)
        .load(&mut *conn)
        .unwrap();
    drop(conn);
    (db, titles)
}

#[test]
fn seeds_a_consistent_deterministic_catalog() {
    for test_db in TestDatabase::all() {
        let (db, titles) = seeded(&test_db, 7);
        let mut conn = db.get().unwrap();
        assert_eq!(count(&mut conn, "SELECT COUNT(*) AS n FROM products WHERE status = 'active'"), 1200);
        assert!(titles.iter().any(|t| t.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c))), "Chinese titles");
        assert!(titles.iter().all(|t| t.chars().any(|c| c.is_ascii_alphabetic())), "English words too");
        let mismatched = count(
            &mut conn,
            "SELECT COUNT(*) AS n FROM skus s WHERE s.stock <> \
             (SELECT COALESCE(SUM(l.delta), 0) FROM inventory_ledger l WHERE l.sku_id = s.id)",
        );
        assert_eq!(mismatched, 0, "every SKU's stock equals its ledger");
        let totals_off = count(
            &mut conn,
            "SELECT COUNT(*) AS n FROM products p WHERE p.total_stock <> \
             (SELECT COALESCE(SUM(s.stock), 0) FROM skus s WHERE s.product_id = p.id)",
        );
        assert_eq!(totals_off, 0, "product totals follow their SKUs");
        let no_skus = count(
            &mut conn,
            "SELECT COUNT(*) AS n FROM products p WHERE NOT EXISTS (SELECT 1 FROM skus s WHERE s.product_id = p.id)",
        );
        assert_eq!(no_skus, 0);
        assert_eq!(count(&mut conn, "SELECT COUNT(*) AS n FROM outbox_events WHERE topic = 'product'"), 1200);
        drop(conn);

        let again = TestDatabase::sqlite();
        let (_, same_titles) = seeded(&again, 7);
        assert_eq!(titles, same_titles, "the same seed gives the same catalog");
        let other = TestDatabase::sqlite();
        let (_, other_titles) = seeded(&other, 8);
        assert_ne!(titles, other_titles);

        let mut conn = db.get().unwrap();
        let twice = demo::seed(&mut conn, 4, 10, 7, &mut |_, _| {});
        let err = twice.err().expect("a second run of the same seed is refused");
        assert!(
            matches!(
                bazaar_core::Classify::classify(&err),
                bazaar_core::Failure::Refused(bazaar_core::Refusal::Conflict { code: "already_seeded", .. })
            ),
            "a second run of the same seed is refused as already seeded: {err}"
        );
    }
}
