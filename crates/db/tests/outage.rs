//! A PostgreSQL outage, made real by a TCP relay between the pool and the server that the test
//! cuts (existing connections dropped, new ones refused) and restores: requests are refused with
//! `DbError::Unavailable` at once instead of each waiting out the acquire timeout, and the pool
//! serves again as soon as the server is reachable, without a restart.

use bazaar_core::{Classify, Failure};
use bazaar_db::{Database, DatabaseUrl, DbError, PoolSettings};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Relays 127.0.0.1:<port> to the real server until cut.
struct Relay {
    port: u16,
    upstream: String,
    open: Arc<Mutex<Vec<TcpStream>>>,
    listener: Option<std::thread::JoinHandle<()>>,
    stop: Arc<std::sync::atomic::AtomicBool>,
}

impl Relay {
    fn start(port: u16, upstream: &str) -> Relay {
        let mut relay =
            Relay { port, upstream: upstream.to_string(), open: Arc::default(), listener: None, stop: Arc::default() };
        relay.listen();
        relay
    }

    fn listen(&mut self) {
        let listener = TcpListener::bind(("127.0.0.1", self.port)).expect("relay port");
        listener.set_nonblocking(true).expect("nonblocking");
        let (open, upstream, stop) = (self.open.clone(), self.upstream.clone(), self.stop.clone());
        stop.store(false, std::sync::atomic::Ordering::SeqCst);
        self.listener = Some(std::thread::spawn(move || {
            while !stop.load(std::sync::atomic::Ordering::SeqCst) {
                let Ok((client, _)) = listener.accept() else {
                    std::thread::sleep(Duration::from_millis(5));
                    continue;
                };
                let _ = client.set_nonblocking(false);
                let Ok(server) = TcpStream::connect(&upstream) else { continue };
                for (from, to) in [(&client, &server), (&server, &client)] {
                    let (mut from, mut to) = (from.try_clone().expect("clone"), to.try_clone().expect("clone"));
                    std::thread::spawn(move || {
                        let _ = std::io::copy(&mut from, &mut to);
                        let _ = to.shutdown(Shutdown::Both);
                    });
                }
                let mut open = open.lock().unwrap_or_else(|p| p.into_inner());
                open.push(client);
                open.push(server);
            }
        }));
    }

    /// The server "goes down": the port stops listening and every relayed connection drops.
    fn cut(&mut self) {
        self.stop.store(true, std::sync::atomic::Ordering::SeqCst);
        if let Some(listener) = self.listener.take() {
            let _ = listener.join();
        }
        for stream in self.open.lock().unwrap_or_else(|p| p.into_inner()).drain(..) {
            let _ = stream.shutdown(Shutdown::Both);
        }
    }

    fn restore(&mut self) {
        self.listen();
    }
}

impl Drop for Relay {
    fn drop(&mut self) {
        self.cut();
    }
}

async fn ping(db: &Database) -> Result<(), DbError> {
    db.run(|conn| {
        use diesel::prelude::*;
        diesel::sql_query("SELECT 1").execute(conn).map(drop).map_err(DbError::from)
    })
    .await
}

#[tokio::test]
async fn a_database_outage_is_refused_at_once_and_heals_by_itself() {
    let Some(url) = bazaar_core::test_env::backend_url_from_env("BAZAAR_TEST_POSTGRES_URL") else { return };
    let upstream = url.split('@').nth(1).and_then(|rest| rest.split('/').next()).expect("host:port in the URL");
    let port = TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).map(|a| a.port()).expect("a port");
    let mut relay = Relay::start(port, upstream);
    let relayed = url.replacen(upstream, &format!("127.0.0.1:{port}"), 1);
    let settings = PoolSettings { max_connections: 4, acquire_timeout: Duration::from_secs(5) };
    let url = DatabaseUrl::parse(&relayed).expect("url");
    let db = tokio::task::spawn_blocking(move || Database::connect(&url, &settings)).await.unwrap().expect("up");
    ping(&db).await.expect("healthy");

    relay.cut();
    let started = Instant::now();
    let mut refused = 0;
    for _ in 0..20 {
        match ping(&db).await {
            // A connection the cut broke, or one that could not be made: either way a 503.
            Err(err) if matches!(err.classify(), Failure::Unavailable { .. }) => refused += 1,
            other => panic!("an outage is a 503: {other:?}"),
        }
    }
    let outage = started.elapsed();
    assert_eq!(refused, 20);
    // Without the breaker each of the 20 waits out the 5 s acquire timeout (100 s); with it, one
    // or two notice the outage and the rest are refused at once.
    assert!(outage < Duration::from_secs(12), "20 refusals took {outage:?}");
    assert!(matches!(ping(&db).await, Err(DbError::Unavailable)), "refused at once while down");

    relay.restore();
    let back = Instant::now();
    let mut healed = false;
    while back.elapsed() < Duration::from_secs(10) {
        if ping(&db).await.is_ok() {
            healed = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(healed, "the pool serves again once the database is reachable");
    eprintln!("outage: 20 refusals in {outage:?}; served again {:?} after the server came back", back.elapsed());
}
