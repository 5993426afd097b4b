//! The connection pool and the one way handlers run database work: on the blocking pool.

use crate::breaker::Breaker;
use crate::{Backend, DatabaseUrl, DbConn, DbError};
use bazaar_core::{Classify, Failure};
use diesel::r2d2::R2D2Connection;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Semaphore;

/// Opens connections to one database and prepares each (SQLite pragmas) before the pool hands it out.
#[derive(Debug)]
pub struct ConnectionManager {
    url: DatabaseUrl,
    breaker: Arc<Breaker>,
}

impl r2d2::ManageConnection for ConnectionManager {
    type Connection = DbConn;
    type Error = DbError;

    fn connect(&self) -> Result<DbConn, DbError> {
        let opened = DbConn::open(&self.url);
        match &opened {
            Ok(_) => self.breaker.close(),
            Err(DbError::Connect { .. }) => self.breaker.trip(),
            Err(_) => {}
        }
        opened
    }

    fn is_valid(&self, conn: &mut DbConn) -> Result<(), DbError> {
        match conn {
            DbConn::Postgres(pg) => pg.ping()?,
            DbConn::Sqlite(sqlite) => sqlite.ping()?,
        }
        Ok(())
    }

    /// A connection left inside a transaction (a panic mid-work) must not be reused.
    fn has_broken(&self, conn: &mut DbConn) -> bool {
        match conn {
            DbConn::Postgres(pg) => pg.is_broken(),
            DbConn::Sqlite(sqlite) => sqlite.is_broken(),
        }
    }
}

#[derive(Debug, Clone)]
pub struct PoolSettings {
    pub max_connections: u32,
    /// How long a request waits for a free connection before failing (it then gets a 503).
    pub acquire_timeout: Duration,
}

impl Default for PoolSettings {
    fn default() -> Self {
        PoolSettings { max_connections: 8, acquire_timeout: Duration::from_secs(5) }
    }
}

/// Pool gauges for `/metrics`.
#[derive(Debug, Clone, Copy)]
pub struct PoolStatus {
    pub connections: u32,
    pub idle: u32,
    pub max: u32,
}

/// A handle to the database; cheap to clone.
#[derive(Clone)]
pub struct Database {
    pool: r2d2::Pool<ConnectionManager>,
    backend: Backend,
    /// One permit per pooled connection. Requests wait for a permit here, asynchronously, rather
    /// than as blocking threads queued on the pool: under load that would be dozens of threads
    /// fighting over a handful of connections on a 2-core machine.
    permits: Arc<Semaphore>,
    acquire_timeout: Duration,
    breaker: Arc<Breaker>,
    storage: Arc<StorageFaults>,
}

impl Database {
    /// Connects once up front so an unreachable server or unusable file fails now, with its own
    /// message, instead of as an r2d2 timeout later. Blocking: call it from a blocking context.
    pub fn connect(url: &DatabaseUrl, settings: &PoolSettings) -> Result<Database, DbError> {
        if let DatabaseUrl::Sqlite(path) = url {
            prepare_sqlite_dir(path)?;
        }
        drop(DbConn::open(url)?);
        let breaker = Arc::new(Breaker::default());
        let pool = r2d2::Pool::builder()
            .max_size(settings.max_connections.max(1))
            .min_idle(Some(0))
            .connection_timeout(settings.acquire_timeout)
            // No ping before every checkout: it doubled the queries of every request. A connection
            // that broke is caught by `has_broken` when it comes back, and the failed query
            // surfaces as a 503 like any other database error.
            .test_on_check_out(false)
            .build_unchecked(ConnectionManager { url: url.clone(), breaker: breaker.clone() });
        let permits = Arc::new(Semaphore::new(settings.max_connections.max(1) as usize));
        Ok(Database {
            pool,
            backend: url.backend(),
            permits,
            acquire_timeout: settings.acquire_timeout,
            breaker,
            storage: Arc::default(),
        })
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// Runs `work` with a pooled connection on tokio's blocking pool. Waiting for a connection
    /// happens there too, so a slow database never stalls an async worker.
    pub async fn run<T, E, F>(&self, work: F) -> Result<T, E>
    where
        F: FnOnce(&mut DbConn) -> Result<T, E> + Send + 'static,
        T: Send + 'static,
        E: From<DbError> + Classify + Send + 'static,
    {
        if !self.breaker.admit() {
            return Err(DbError::Unavailable.into());
        }
        // The whole wait — for a permit, then for a connection — is bounded by `acquire_timeout`.
        let deadline = tokio::time::Instant::now() + self.acquire_timeout;
        let permit = tokio::time::timeout_at(deadline, self.permits.clone().acquire_owned())
            .await
            .map_err(|_| DbError::Busy(self.acquire_timeout))?
            .map_err(|_| DbError::TaskFailed)?;
        let (pool, breaker, timeout) = (self.pool.clone(), self.breaker.clone(), self.acquire_timeout);
        let deadline = deadline.into_std();
        // Admitted while open: this request is the breaker's probe.
        let probing = breaker.is_open();
        tokio::task::spawn_blocking(move || {
            let _permit = permit;
            let mut conn = if probing {
                checkout_alive(&pool, &breaker, deadline, timeout)?
            } else {
                checkout(&pool, &breaker, deadline, timeout)?
            };
            let result = work(&mut conn);
            if result.is_ok() {
                // A probe that got an idle connection and succeeded proves the database is back as
                // well as a fresh connect would.
                breaker.close();
            }
            result
        })
        .await
        .map_err(|_| E::from(DbError::TaskFailed))?
        .inspect_err(|err| self.storage.note(err))
    }

    /// Runs a short read (a few point lookups) on the calling thread when the database is an
    /// embedded SQLite file and a connection is idle at this moment; otherwise exactly like
    /// [`Database::run`]. Why: a product page missing from the cache costs microseconds of SQLite
    /// work but, through the blocking pool, two thread hand-offs that cost more than the read on a
    /// 2-core machine. SQLite readers in WAL mode never wait for writers, so this cannot stall the
    /// async worker behind a write. PostgreSQL work always goes to the blocking pool (a network
    /// round trip must not hold an async worker). Only for reads bounded by a primary key.
    pub async fn run_short_read<T, E, F>(&self, work: F) -> Result<T, E>
    where
        F: FnOnce(&mut DbConn) -> Result<T, E> + Send + 'static,
        T: Send + 'static,
        E: From<DbError> + Classify + Send + 'static,
    {
        if self.backend == Backend::Sqlite
            && let Ok(permit) = self.permits.try_acquire()
        {
            if let Some(mut conn) = self.pool.try_get() {
                let result = work(&mut conn);
                drop(conn);
                drop(permit);
                return result.inspect_err(|err| self.storage.note(err));
            }
            drop(permit);
        }
        self.run(work).await
    }

    /// A connection for blocking contexts (CLI commands, start-up, tests).
    pub fn get(&self) -> Result<r2d2::PooledConnection<ConnectionManager>, DbError> {
        Ok(self.pool.get()?)
    }

    pub fn status(&self) -> PoolStatus {
        let state = self.pool.state();
        PoolStatus { connections: state.connections, idle: state.idle_connections, max: self.pool.max_size() }
    }

    /// Round trip to the database, for `/readyz`; refused too for a while after writes failed for
    /// want of storage (see [`StorageFaults`]).
    pub async fn ping(&self) -> Result<(), DbError> {
        if self.storage.recent() {
            return Err(DbError::StorageFault);
        }
        self.run(|conn| {
            match conn {
                DbConn::Postgres(pg) => pg.ping()?,
                DbConn::Sqlite(sqlite) => sqlite.ping()?,
            }
            Ok(())
        })
        .await
    }
}

/// A pooled connection by `deadline`, waiting in short slices so that a failed connect (which
/// opens the breaker) ends the wait at once instead of after the whole timeout.
fn checkout(
    pool: &r2d2::Pool<ConnectionManager>,
    breaker: &Breaker,
    deadline: std::time::Instant,
    timeout: Duration,
) -> Result<r2d2::PooledConnection<ConnectionManager>, DbError> {
    const SLICE: Duration = Duration::from_millis(50);
    loop {
        let left = deadline.saturating_duration_since(std::time::Instant::now());
        if left.is_zero() {
            return Err(DbError::Busy(timeout));
        }
        match pool.get_timeout(left.min(SLICE)) {
            Ok(conn) => return Ok(conn),
            Err(_) if breaker.is_open() => return Err(DbError::Unavailable),
            Err(_) => {}
        }
    }
}

fn answers(conn: &mut DbConn) -> bool {
    match conn {
        DbConn::Postgres(pg) => pg.ping().is_ok(),
        DbConn::Sqlite(sqlite) => sqlite.ping().is_ok(),
    }
}

/// For the breaker's probe: a pooled connection that answers. After a crash every idle
/// connection is dead, and a probe that took one would fail and wait a whole probe interval for
/// the next try, one dead connection at a time (1.8 s to serve again after PostgreSQL restarted,
/// measured); so dead ones are pinged, dropped, and the next taken (or a new one opened).
fn checkout_alive(
    pool: &r2d2::Pool<ConnectionManager>,
    breaker: &Breaker,
    deadline: std::time::Instant,
    timeout: Duration,
) -> Result<r2d2::PooledConnection<ConnectionManager>, DbError> {
    loop {
        let mut conn = checkout(pool, breaker, deadline, timeout)?;
        if answers(&mut conn) {
            // The other idle connections date from before the outage too: ping them all now, so
            // the requests that follow the probe do not meet them one failure at a time.
            let idle: Vec<_> = std::iter::from_fn(|| pool.try_get()).take(pool.max_size() as usize).collect();
            for mut other in idle {
                answers(&mut other);
            }
            return Ok(conn);
        }
        // A failed ping leaves the connection broken, so the pool discards it on return.
        drop(conn);
        if std::time::Instant::now() >= deadline {
            return Err(DbError::Unavailable);
        }
    }
}

/// Creates the SQLite file's directory and proves it writable, so the error names the directory.
fn prepare_sqlite_dir(path: &std::path::Path) -> Result<(), DbError> {
    let dir = match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir.to_path_buf(),
        _ => std::path::PathBuf::from("."),
    };
    std::fs::create_dir_all(&dir).map_err(|source| DbError::DataDir { path: dir.clone(), source })?;
    let probe = dir.join(".bazaar-write-probe");
    std::fs::write(&probe, b"ok").map_err(|source| DbError::DataDir { path: dir.clone(), source })?;
    let _ = std::fs::remove_file(&probe);
    Ok(())
}

/// How long `/readyz` stays 503 after the last write refused for want of storage. A full disk or a
/// read-only file system answers reads as usual, so a ping alone would call the database healthy
/// while every order fails. While this holds, a load balancer sends the writes elsewhere; after it,
/// readiness returns, and the next failing write starts it again, so a node whose disk is still
/// full is retried at most once per period.
pub const STORAGE_FAULT_HOLD: Duration = Duration::from_secs(5);

/// When a query last failed because the storage refused it.
#[derive(Default)]
struct StorageFaults {
    last: std::sync::Mutex<Option<std::time::Instant>>,
}

impl StorageFaults {
    fn note<E: Classify>(&self, err: &E) {
        if let Failure::Unavailable { cause, .. } = err.classify()
            && DbError::is_storage_message(&cause.to_string())
        {
            *self.last.lock().unwrap_or_else(|poisoned| poisoned.into_inner()) = Some(std::time::Instant::now());
        }
    }

    fn recent(&self) -> bool {
        self.last
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .is_some_and(|at| at.elapsed() < STORAGE_FAULT_HOLD)
    }
}
