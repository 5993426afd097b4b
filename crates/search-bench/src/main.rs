//! The search benchmark (run by `scripts/bench/search.sh`).
//!
//! `bazaar-search-bench <database-url> <index-dir> <seconds>` runs a fixed query mix against
//! Bazaar's search service (the index `bazaar reindex` built, without and with facets), then loads
//! the same products into the database's own full-text search — SQLite FTS5 or PostgreSQL
//! `tsvector` + GIN, both fed jieba-segmented text so they can match Chinese at all — and runs the
//! same queries there. Two concurrent clients, closed loop. Prints one line per engine. It also
//! times suggestions for a set of prefixes, and freshness: products published through the catalog
//! service, timed until a search finds them (the indexer running, woken by the catalog's notices).

use bazaar_db::schema::{products, shops};
use bazaar_db::{Database, DatabaseUrl, DbConn, DbError, PoolSettings};
use bazaar_search::{Search, SearchParams};
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Text};
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// The query mix: Chinese, pinyin, initials, English, mixed, two-word.
const QUERIES: &[&str] = &[
    "手机",
    "shouji",
    "华为 手机",
    "连衣裙",
    "lianyiqun",
    "running shoes",
    "蓝牙耳机",
    "sj",
    "坚果",
    "空气炸锅",
    "面膜",
    "跑步鞋 李宁",
    "笔记本电脑",
    "tea",
    "牛仔裤",
];
const CLIENTS: usize = 2;

#[derive(QueryableByName)]
struct Found {
    #[diesel(sql_type = BigInt)]
    #[allow(dead_code)]
    id: i64,
}

#[tokio::main]
async fn main() -> Result<(), String> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [url, index_dir, seconds] = args.as_slice() else {
        return Err("usage: bazaar-search-bench <database-url> <index-dir> <seconds>".into());
    };
    let seconds: u64 = seconds.parse().map_err(|_| "seconds must be a number".to_string())?;
    let url = DatabaseUrl::parse(url).map_err(|e| e.to_string())?;
    let db = Database::connect(&url, &PoolSettings { max_connections: 4, ..PoolSettings::default() })
        .map_err(|e| e.to_string())?;
    // One kv for the search service and the catalog, so the catalog's change notices wake the indexer.
    let kv = bazaar_kv::Kv::memory();
    let search = Search::open(Path::new(index_dir), db.clone(), kv.clone()).map_err(|e| e.to_string())?;

    if search.documents() == 0 {
        return Err(format!(
            "the index in {index_dir} is empty or of another format: run `bazaar reindex` with this build"
        ));
    }
    println!("index: documents={}", search.documents());
    // BENCH_QUERY=<q>: that one query, BENCH_REPEAT times (default 200) one after another, with
    // facets — a fixed amount of work to profile or to count instructions of under callgrind.
    if let Ok(q) = std::env::var("BENCH_QUERY") {
        return repeat_one(&search, &q).await;
    }
    // BENCH_ONLY=queries: just the Bazaar query runs (for profiling).
    let only_queries = std::env::var("BENCH_ONLY").is_ok_and(|v| v == "queries");
    if !only_queries {
        let freshness = freshness(&db, &search, kv).await?;
        report("freshness (publish → searchable)", &freshness);
        let suggest = search.clone();
        let run = measure(seconds, move |q| {
            let search = suggest.clone();
            let prefix: String = q.chars().take(2).collect();
            async move { search.suggest(&prefix, 10).await.map(|s| s.len()).unwrap_or(0) }
        })
        .await;
        report("suggest (2-character prefixes of the mix)", &run);
    }

    for facets in [false, true] {
        let search = search.clone();
        let run = measure(seconds, move |q| {
            let search = search.clone();
            async move {
                let params = SearchParams { q: Some(q.to_string()), facets: Some(facets), ..SearchParams::default() };
                search.search(params).await.map(|page| page.total).unwrap_or(0)
            }
        })
        .await;
        report(&format!("bazaar (tantivy){}", if facets { ", with facets" } else { "" }), &run);
    }

    if only_queries {
        return Ok(());
    }
    let (engine, built) = load_full_text(&db).await?;
    println!(
        "{engine} build: {} products in {:.1} s ({:.0} docs/s)",
        built.0,
        built.1,
        built.0 as f64 / built.1.max(0.001)
    );
    let run = measure(seconds, move |q| {
        let db = db.clone();
        let words = segmented(q);
        async move { db.run(move |conn| full_text_top20(conn, &words)).await.unwrap_or(0) }
    })
    .await;
    report(engine, &run);
    Ok(())
}

async fn repeat_one(search: &Search, q: &str) -> Result<(), String> {
    let times: usize = std::env::var("BENCH_REPEAT").ok().and_then(|n| n.parse().ok()).unwrap_or(200);
    let params = || SearchParams { q: Some(q.to_string()), facets: Some(true), ..SearchParams::default() };
    let total = search.search(params()).await.map_err(|e| e.to_string())?.total;
    let started = Instant::now();
    for _ in 0..times {
        search.search(params()).await.map_err(|e| e.to_string())?;
    }
    let mean = started.elapsed().as_secs_f64() * 1000.0 / times.max(1) as f64;
    println!("{q}: total={total} repeated={times} mean_ms={mean:.2}");
    Ok(())
}

/// Publishes products through the catalog service and times each until a search finds it.
async fn freshness(db: &Database, search: &Search, kv: bazaar_kv::Kv) -> Result<Run, String> {
    let catalog = bazaar_catalog::Catalog::new(db.clone(), kv, 1 << 20);
    search.start(bazaar_catalog::cache::CHANNEL).await.map_err(|e| e.to_string())?;
    let (shop, owner, category): (i64, i64, i64) = db
        .run(|conn| {
            let (shop, owner) = shops::table.select((shops::id, shops::owner_id)).first::<(i64, i64)>(conn)?;
            let category = products::table.select(products::category_id).first::<i64>(conn)?;
            Ok::<_, DbError>((shop, owner, category))
        })
        .await
        .map_err(|e| e.to_string())?;
    let principal = bazaar_identity::Principal {
        user_id: owner.into(),
        session_id: 0.into(),
        roles: vec![bazaar_identity::Role::Seller],
    };
    let started = Instant::now();
    let mut latencies = Vec::new();
    for n in 0..20 {
        let word = format!("鲜度测试{n}号");
        let input =
            serde_json::from_value(serde_json::json!({ "shop_id": shop, "category_id": category, "title": word,
            "images": [], "skus": [{ "price": "9.90", "stock": 1 }] }))
            .map_err(|e| e.to_string())?;
        let product = catalog.create_product(&principal, input).await.map_err(|e| e.to_string())?;
        catalog.publish(&principal, product.id).await.map_err(|e| e.to_string())?;
        let published = Instant::now();
        loop {
            let params = SearchParams { q: Some(word.clone()), facets: Some(false), ..SearchParams::default() };
            if search.search(params).await.map(|p| p.total).unwrap_or(0) > 0 {
                break;
            }
            if published.elapsed() > Duration::from_secs(30) {
                return Err(format!("{word} never became searchable"));
            }
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
        latencies.push(published.elapsed());
    }
    Ok(Run { latencies, queries: Vec::new(), elapsed: started.elapsed() })
}

struct Run {
    latencies: Vec<Duration>,
    /// Which query of [`QUERIES`] each latency belongs to (empty when not from the mix).
    queries: Vec<usize>,
    elapsed: Duration,
}

async fn measure<F, Fut>(seconds: u64, query: F) -> Run
where
    F: Fn(&'static str) -> Fut + Send + Sync + 'static,
    Fut: std::future::Future<Output = usize> + Send,
{
    let query = Arc::new(query);
    // Warm up: every query once.
    for q in QUERIES {
        query(q).await;
    }
    let started = Instant::now();
    let deadline = started + Duration::from_secs(seconds);
    let mut clients = Vec::new();
    for client in 0..CLIENTS {
        let query = query.clone();
        clients.push(tokio::spawn(async move {
            let mut latencies = Vec::new();
            let mut queries = Vec::new();
            let mut n = client;
            while Instant::now() < deadline {
                let q = QUERIES[n % QUERIES.len()];
                queries.push(n % QUERIES.len());
                n += 1;
                let at = Instant::now();
                query(q).await;
                latencies.push(at.elapsed());
            }
            (latencies, queries)
        }));
    }
    let (mut latencies, mut queries) = (Vec::new(), Vec::new());
    for client in clients {
        let (l, q) = client.await.unwrap_or_default();
        latencies.extend(l);
        queries.extend(q);
    }
    Run { latencies, queries, elapsed: started.elapsed() }
}

/// The latency at quantile `q` (0–1) of `sorted`, in milliseconds.
fn quantile_ms(sorted: &[Duration], q: f64) -> f64 {
    let index = ((sorted.len() as f64 * q) as usize).min(sorted.len().saturating_sub(1));
    sorted.get(index).copied().unwrap_or_default().as_secs_f64() * 1000.0
}

fn report(name: &str, run: &Run) {
    let mut sorted = run.latencies.clone();
    sorted.sort();
    let qps = sorted.len() as f64 / run.elapsed.as_secs_f64();
    println!(
        "{name}: queries={} qps={qps:.0} p50_ms={:.2} p99_ms={:.2}",
        sorted.len(),
        quantile_ms(&sorted, 0.50),
        quantile_ms(&sorted, 0.99)
    );
    // BENCH_PER_QUERY=1: where the tail comes from.
    if std::env::var("BENCH_PER_QUERY").is_ok_and(|v| v == "1") {
        for (index, q) in QUERIES.iter().enumerate() {
            let mut own: Vec<Duration> =
                run.queries.iter().zip(&run.latencies).filter(|(i, _)| **i == index).map(|(_, l)| *l).collect();
            own.sort();
            println!("  {q}: p50_ms={:.2} p99_ms={:.2}", quantile_ms(&own, 0.50), quantile_ms(&own, 0.99));
        }
    }
}

/// Lowercased jieba words joined by spaces: what the baselines index and query.
fn segmented(text: &str) -> String {
    static JIEBA: std::sync::OnceLock<jieba_rs::Jieba> = std::sync::OnceLock::new();
    let jieba = JIEBA.get_or_init(jieba_rs::Jieba::new);
    jieba
        .cut_for_search(&text.to_lowercase(), true)
        .into_iter()
        .map(|t| t.word.trim())
        .filter(|w| w.chars().any(char::is_alphanumeric))
        .map(|w| w.replace('"', ""))
        .collect::<Vec<_>>()
        .join(" ")
}

type Row = (i64, String, String, String, String);

/// Loads every active product into the database's own full-text index; (engine, (count, seconds)).
async fn load_full_text(db: &Database) -> Result<(&'static str, (u64, f64)), String> {
    db.run(|conn| {
        let started = Instant::now();
        let engine = match conn {
            DbConn::Sqlite(_) => "SQLite FTS5",
            DbConn::Postgres(_) => "PostgreSQL full-text (GIN)",
        };
        let setup: &[&str] = match conn {
            DbConn::Sqlite(_) => {
                &["DROP TABLE IF EXISTS bench_fts", "CREATE VIRTUAL TABLE bench_fts USING fts5(words, id UNINDEXED)"]
            }
            DbConn::Postgres(_) => {
                &["DROP TABLE IF EXISTS bench_fts", "CREATE TABLE bench_fts (id BIGINT, words TSVECTOR)"]
            }
        };
        for statement in setup {
            diesel::sql_query(*statement).execute(conn)?;
        }
        let mut after = 0_i64;
        let mut count = 0_u64;
        loop {
            // Ids alone first, so the scan walks the primary key (see bazaar-search's documents.rs).
            let ids: Vec<i64> = products::table
                .filter(products::id.gt(after))
                .order(products::id)
                .limit(2_000)
                .select(products::id)
                .load(conn)?;
            let Some(last) = ids.last() else { break };
            after = *last;
            let rows: Vec<Row> = products::table
                .inner_join(shops::table)
                .filter(
                    products::id.eq_any(ids).and(products::status.eq(bazaar_catalog::ProductStatus::Active.as_str())),
                )
                .select((products::id, products::title, products::subtitle, products::brand, products::tags))
                .load(conn)?;
            count += rows.len() as u64;
            conn.transaction(|conn| {
                for (id, title, subtitle, brand, tags) in &rows {
                    let words = segmented(&format!("{title} {subtitle} {brand} {tags}"));
                    let insert = match conn {
                        DbConn::Sqlite(_) => "INSERT INTO bench_fts (words, id) VALUES ($1, $2)",
                        DbConn::Postgres(_) => {
                            "INSERT INTO bench_fts (words, id) VALUES (to_tsvector('simple', $1), $2)"
                        }
                    };
                    diesel::sql_query(insert).bind::<Text, _>(words).bind::<BigInt, _>(*id).execute(conn)?;
                }
                Ok::<_, diesel::result::Error>(())
            })?;
        }
        if let DbConn::Postgres(_) = conn {
            diesel::sql_query("CREATE INDEX bench_fts_words ON bench_fts USING GIN (words)").execute(conn)?;
            diesel::sql_query("ANALYZE bench_fts").execute(conn)?;
        }
        Ok::<_, DbError>((engine, (count, started.elapsed().as_secs_f64())))
    })
    .await
    .map_err(|e: DbError| e.to_string())
}

/// The 20 best matches for all of `words`; the number found.
fn full_text_top20(conn: &mut DbConn, words: &str) -> Result<usize, DbError> {
    if words.is_empty() {
        return Ok(0);
    }
    let found: Vec<Found> = match conn {
        DbConn::Sqlite(_) => {
            let all: String = words.split(' ').map(|w| format!("\"{w}\"")).collect::<Vec<_>>().join(" ");
            diesel::sql_query("SELECT id FROM bench_fts WHERE bench_fts MATCH $1 ORDER BY rank LIMIT 20")
                .bind::<Text, _>(all)
                .load(conn)?
        }
        DbConn::Postgres(_) => diesel::sql_query(
            "SELECT id FROM bench_fts WHERE words @@ plainto_tsquery('simple', $1) \
             ORDER BY ts_rank(words, plainto_tsquery('simple', $1)) DESC LIMIT 20",
        )
        .bind::<Text, _>(words)
        .load(conn)?,
    };
    Ok(found.len())
}
