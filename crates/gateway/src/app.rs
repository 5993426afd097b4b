//! Building the application: prepare the data directory, open the database and migrate it,
//! connect kv, bind the port, and assemble the actix app. Each step fails with its own clear error.

use crate::config::{Config, SmsProviderKind};
use crate::error::ApiError;
use crate::middleware::{metrics, problem, request_id};
use crate::routes;
use crate::secrets::{SecretError, load_or_generate_jwt_secret};
use crate::state::AppState;
use actix_cors::Cors;
use actix_web::dev::Server;
use actix_web::http::header;
use actix_web::middleware::{Compress, from_fn};
use actix_web::{App, HttpServer, web};
use bazaar_catalog::Catalog;
use bazaar_chat::Chat;
use bazaar_checkout::{Cart, Orders};
use bazaar_db::{Database, DbError, PoolSettings, run_migrations};
use bazaar_identity::Identity;
use bazaar_kv::{Kv, KvError};
use bazaar_search::Search;
use bazaar_sms::{HttpSms, SandboxSms, SmsProvider};
use std::net::{SocketAddr, TcpListener};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error("cannot use the data directory {}: {source}", path.display())]
    DataDir { path: PathBuf, source: std::io::Error },
    #[error(transparent)]
    Secret(#[from] SecretError),
    #[error("{0}")]
    Database(#[from] DbError),
    #[error("{source} (set by redis_url; Bazaar does not fall back to in-process state when Redis is configured)")]
    Kv { source: KvError },
    #[error("cannot listen on {addr}: {reason}")]
    Bind { addr: String, reason: String },
    #[error("cannot set up identity: {0}")]
    Identity(String),
    #[error("cannot open the search index: {0}")]
    Search(String),
    #[error(transparent)]
    Payments(#[from] crate::payment_setup::PaymentSetupError),
    #[error(
        "refusing to start with the sandbox on: {0}. The sandbox shows every SMS login code and pays any \
         trade; set `sandbox = false` (BAZAAR_SANDBOX=false), or `sandbox_force = true` to run it anyway"
    )]
    SandboxExposed(&'static str),
    #[error("cannot set up metrics: {0}")]
    Metrics(#[from] prometheus::Error),
}

/// Stops the gateway: chat sockets are told the server is going away first, because a graceful
/// stop otherwise waits out its whole timeout for connections that never end by themselves.
#[derive(Clone)]
pub struct ServerHandle {
    server: actix_web::dev::ServerHandle,
    hub: bazaar_chat::Hub,
    search: Search,
}

impl ServerHandle {
    /// Sends the stop command at once; the returned future waits for the server to finish and
    /// the search indexer to close its index (so a restart on the same directory finds it free).
    pub fn stop(&self, graceful: bool) -> impl std::future::Future<Output = ()> + use<> {
        self.hub.shut_down();
        let indexer = self.search.stop();
        let server = self.server.stop(graceful);
        async move {
            server.await;
            indexer.await;
        }
    }
}

pub struct Application {
    server: Server,
    addr: SocketAddr,
    state: AppState,
}

/// The sandbox is the two-command start's convenience and an open door anywhere else: refuse it
/// where others can reach it (unless forced), and say it is on at every start.
fn warn_or_refuse_sandbox(config: &Config) -> Result<(), StartError> {
    if !config.sandbox {
        return Ok(());
    }
    match config.sandbox_exposure() {
        Some(reason) if !config.sandbox_force => return Err(StartError::SandboxExposed(reason)),
        Some(reason) => tracing::warn!(
            reason,
            "SANDBOX FORCED ON where others can reach it: /sandbox/sms/messages shows every login code and \
             /sandbox/wallet/pay pays any trade. Never do this with real users."
        ),
        None => tracing::warn!(
            "the sandbox is on (development only): /sandbox/sms/messages shows every login code and \
             /sandbox/wallet/pay pays any trade; set sandbox = false before anyone else can reach this gateway"
        ),
    }
    Ok(())
}

impl Application {
    pub async fn build(mut config: Config) -> Result<Application, StartError> {
        warn_or_refuse_sandbox(&config)?;
        let db = prepare_storage(&mut config).await?;
        let kv = match &config.redis_url {
            Some(url) => Kv::redis(url, &config.redis_prefix).await.map_err(|source| StartError::Kv { source })?,
            None => Kv::memory(),
        };
        let listener = bind(&config)?;
        let addr = listener.local_addr().map_err(|err| StartError::Bind {
            addr: format!("{}:{}", config.host, config.port),
            reason: err.to_string(),
        })?;
        let identity = build_identity(&config, &db, &kv)?;
        let catalog = Catalog::new(db.clone(), kv.clone(), config.crates.catalog.page_cache_bytes())
            .with_limits(config.crates.checkout.settings().money);
        let follow = catalog.follow_changes().await.map_err(|source| StartError::Kv { source })?;
        tokio::spawn(follow);
        let cart = Cart::new(db.clone());
        let mut checkout_settings = config.crates.checkout.settings();
        checkout_settings.points = config.crates.promotions.points_rules();
        let promotions = bazaar_promotions::Promotions::new(db.clone(), kv.clone(), &config.crates.promotions);
        let mut orders = Orders::new(db.clone(), catalog.clone()).with_settings(checkout_settings);
        if config.crates.promotions.flash_gate {
            orders = orders.with_flash_gate(promotions.flash_gate());
        }
        let deadlines = crate::background::OrderDeadlines {
            payment_timeout: Duration::from_secs(config.crates.checkout.order_payment_timeout_secs),
            auto_receive: Duration::from_secs(config.crates.checkout.order_auto_receive_secs),
            complete_after: Duration::from_secs(config.crates.checkout.order_complete_after_secs),
        };
        let sweep_period = Duration::from_secs(config.crates.checkout.order_sweep_interval_secs);
        tokio::spawn(crate::background::sweep_orders(orders.clone(), deadlines, sweep_period));
        let chat = Chat::new(db.clone(), kv.clone()).with_send_limit(bazaar_kv::Limit::new(
            config.crates.chat.chat_messages_per_minute,
            Duration::from_secs(60),
        ));
        let deliver = chat.follow().await.map_err(|source| StartError::Kv { source })?;
        tokio::spawn(deliver);
        let search = open_search(&config, &db, &kv).await?;
        search.start(bazaar_catalog::cache::CHANNEL).await.map_err(|err| StartError::Search(err.to_string()))?;
        let public_url = config.public_url.clone().unwrap_or_else(|| local_url(addr));
        let (payments, pay_sandbox) = crate::payment_setup::build_payments(&config, &db, &kv, &public_url)?;
        tokio::spawn(crate::background::reconcile_payments(
            payments.clone(),
            Duration::from_secs(config.crates.payments.payment_reconcile_interval_secs),
        ));
        let campaigns = bazaar_campaigns::Campaigns::new(db.clone(), &config.crates.campaigns, &public_url);
        let state = AppState {
            config: Arc::new(config),
            db,
            kv,
            identity,
            catalog,
            cart,
            orders,
            chat,
            search,
            payments,
            promotions,
            campaigns,
            pay_sandbox,
        };
        let server = serve(state.clone(), listener)?;
        Ok(Application { server, addr, state })
    }

    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    pub fn state(&self) -> &AppState {
        &self.state
    }

    /// A handle that stops the server (gracefully with `stop(true)`).
    pub fn handle(&self) -> ServerHandle {
        ServerHandle {
            server: self.server.handle(),
            hub: self.state.chat.hub().clone(),
            search: self.state.search.clone(),
        }
    }

    /// Serves until stopped by SIGINT/SIGTERM or a handle.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        let handle = self.handle();
        let (stopping, mut stopped_by_signal) = tokio::sync::oneshot::channel();
        let signals = tokio::spawn(async move {
            stop_signal().await;
            tracing::info!("stopping: closing chat connections, finishing requests in flight");
            let _ = stopping.send(());
            handle.stop(true).await;
        });
        let outcome = self.server.await;
        if stopped_by_signal.try_recv().is_ok() {
            // The stop also waits for the search indexer to close its index: let it finish.
            let _ = signals.await;
        } else {
            signals.abort();
        }
        outcome
    }
}

/// How this gateway reaches itself when no public URL is configured (an unspecified listen
/// address is reached through loopback).
fn local_url(addr: SocketAddr) -> String {
    let host = if addr.ip().is_unspecified() { "127.0.0.1".to_string() } else { addr.ip().to_string() };
    match addr {
        SocketAddr::V6(_) if !addr.ip().is_unspecified() => format!("http://[{host}]:{}", addr.port()),
        _ => format!("http://{host}:{}", addr.port()),
    }
}

/// SIGINT (Ctrl-C) or, on Unix, SIGTERM. If a handler cannot be installed, that signal is simply
/// not listened for (the process can still be stopped by the other, or killed).
async fn stop_signal() {
    let interrupt = async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut stream) => {
                stream.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = interrupt => {}
        () = terminate => {}
    }
}

/// This gateway's search index (built from the database if it is missing or unreadable).
pub async fn open_search(config: &Config, db: &Database, kv: &Kv) -> Result<Search, StartError> {
    let (dir, db, kv) = (config.search_dir(), db.clone(), kv.clone());
    tokio::task::spawn_blocking(move || Search::open(&dir, db, kv))
        .await
        .map_err(|_| StartError::Search("the opening task failed".into()))?
        .map_err(|err| StartError::Search(err.to_string()))
}

/// The identity service with the SMS provider the configuration names.
pub fn build_identity(config: &Config, db: &Database, kv: &Kv) -> Result<Identity, StartError> {
    let sms: Arc<dyn SmsProvider> = match config.crates.sms.sms_provider {
        SmsProviderKind::Sandbox => Arc::new(SandboxSms::new(db.clone())),
        SmsProviderKind::Http => Arc::new(
            HttpSms::new(
                config.crates.sms.sms_http_url.clone().unwrap_or_default(),
                config.crates.sms.sms_http_token.clone(),
                Duration::from_secs(5),
            )
            .map_err(|err| StartError::Identity(err.to_string()))?,
        ),
    };
    // Start-up has generated a secret when none was configured (`prepare_storage`).
    let secret = config.crates.identity.jwt_secret.clone().unwrap_or_default();
    Identity::new(db.clone(), kv.clone(), sms, config.crates.identity.settings(secret))
        .map_err(|err| StartError::Identity(err.to_string()))
}

/// What every command that touches data needs first: a usable data directory, the JWT secret
/// (generated on first run when not configured), and the database, migrated.
pub async fn prepare_storage(config: &mut Config) -> Result<Database, StartError> {
    prepare_data_dir(config)?;
    if config.crates.identity.jwt_secret.is_none() {
        config.crates.identity.jwt_secret = Some(load_or_generate_jwt_secret(&config.data_dir)?);
    }
    open_database(config).await
}

fn prepare_data_dir(config: &Config) -> Result<(), StartError> {
    let fail = |source| StartError::DataDir { path: config.data_dir.clone(), source };
    std::fs::create_dir_all(&config.data_dir).map_err(fail)?;
    let probe = config.data_dir.join(".write-probe");
    std::fs::write(&probe, b"ok").map_err(fail)?;
    std::fs::remove_file(&probe).map_err(fail)
}

async fn open_database(config: &Config) -> Result<Database, StartError> {
    let url = config.database_url();
    let settings = PoolSettings {
        max_connections: config.db_pool_size,
        acquire_timeout: Duration::from_millis(config.db_acquire_timeout_ms),
    };
    tokio::task::spawn_blocking(move || {
        let db = Database::connect(&url, &settings)?;
        let applied = run_migrations(&mut *db.get()?)?;
        if !applied.is_empty() {
            tracing::info!(count = applied.len(), last = ?applied.last(), "applied database migrations");
        }
        Ok::<_, DbError>(db)
    })
    .await
    .map_err(|_| DbError::TaskFailed)?
    .map_err(StartError::from)
}

fn bind(config: &Config) -> Result<TcpListener, StartError> {
    let addr = format!("{}:{}", config.host, config.port);
    TcpListener::bind(&addr).map_err(|err| {
        let reason = match err.kind() {
            std::io::ErrorKind::AddrInUse => {
                "the address is already in use (is another bazaar running? set port)".into()
            }
            std::io::ErrorKind::PermissionDenied => "permission denied (ports below 1024 need privileges)".into(),
            _ => err.to_string(),
        };
        StartError::Bind { addr, reason }
    })
}

fn cors(origins: &[String]) -> Cors {
    let mut cors = Cors::default()
        .allowed_methods(["GET", "POST", "PUT", "PATCH", "DELETE"])
        .allowed_headers([
            header::AUTHORIZATION,
            header::CONTENT_TYPE,
            header::ACCEPT,
            header::IF_NONE_MATCH,
            header::HeaderName::from_static("idempotency-key"),
            request_id::REQUEST_ID_HEADER,
        ])
        .expose_headers([header::ETAG, header::RETRY_AFTER, header::LOCATION, request_id::REQUEST_ID_HEADER])
        .max_age(3600);
    for origin in origins {
        cors = if origin == "*" { cors.allow_any_origin() } else { cors.allowed_origin(origin) };
    }
    cors
}

/// A compressed response leaves in several small writes (the head, then compressed chunks). With
/// Nagle's algorithm on, a small write waits for the ACK of the one before, which the client's
/// delayed ACK holds back for ~40 ms: every other compressed response on a kept-alive connection
/// stalled. Responses are complete when written, so nothing is gained by coalescing them.
fn write_without_delay(connection: &dyn std::any::Any, _: &mut actix_web::dev::Extensions) {
    if let Some(stream) = connection.downcast_ref::<actix_web::rt::net::TcpStream>()
        && let Err(err) = stream.set_nodelay(true)
    {
        tracing::debug!(error = %err, "could not turn off Nagle's algorithm on a connection");
    }
}

fn serve(state: AppState, listener: TcpListener) -> Result<Server, StartError> {
    let metrics = web::Data::new(metrics::Metrics::new()?);
    let config = state.config.clone();
    let (workers, shutdown_secs) = (config.workers, config.shutdown_timeout_secs);
    let addr = format!("{}:{}", config.host, config.port);
    let shared = web::Data::new(state);
    let mut server = HttpServer::new(move || {
        App::new()
            .app_data(shared.clone())
            .app_data(metrics.clone())
            .app_data(web::PayloadConfig::new(config.body_limit_bytes))
            .app_data(
                web::QueryConfig::default()
                    .error_handler(|err, _| ApiError::bad_request("invalid_query", err.to_string()).into()),
            )
            .app_data(
                web::PathConfig::default()
                    .error_handler(|err, _| ApiError::not_found(format!("No such resource: {err}")).into()),
            )
            // Short links first and outside the API's layers: a 302 with no body has nothing to
            // compress, no CORS to answer and no problem to map, and printed codes are scanned in
            // bursts. They keep their request id; metrics count them with one counter (the
            // per-route histogram cost a scan storm several per cent).
            .service(web::scope("/s").configure(crate::h5::campaigns::short_links).wrap(from_fn(request_id::assign)))
            .service(
                web::scope("")
                    .configure(|cfg| routes::configure(cfg, &config))
                    .configure(crate::h5::configure)
                    .default_service(web::to(routes::not_found))
                    // The last `wrap` is outermost: the request id wraps everything so every log line has it.
                    .wrap(cors(&config.cors_allowed_origins))
                    .wrap(Compress::default())
                    .wrap(problem::every_error_as_problem())
                    .wrap(from_fn(metrics::record))
                    .wrap(from_fn(request_id::assign)),
            )
    })
    .on_connect(write_without_delay)
    .shutdown_timeout(shutdown_secs)
    // Signals are handled in `run_until_stopped`, which closes chat sockets before stopping.
    .disable_signals();
    if workers > 0 {
        server = server.workers(workers);
    }
    let server = server.listen(listener).map_err(|err| StartError::Bind { addr, reason: err.to_string() })?.run();
    Ok(server)
}
