//! `bazaar`: serve the API (default), apply migrations, or print the effective configuration.

use bazaar_gateway::{Application, Config, telemetry};
use clap::{Parser, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;

/// mimalloc instead of the system allocator: a request allocates dozens of small buffers, and
/// glibc's free lists (consolidation, chunk unlinking) showed up as ~9% of a product-page profile.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Parser)]
#[command(name = "bazaar", version, about = "Bazaar: the backend of a mobile business district")]
struct Cli {
    /// Configuration file (default: ./bazaar.toml when present; also BAZAAR_CONFIG).
    #[arg(long, global = true)]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Migrate the database and serve the API (the default).
    Serve,
    /// Apply pending database migrations and exit.
    Migrate,
    /// Print the effective configuration, secrets redacted.
    Config,
    /// Fill the database with a realistic bilingual demo catalog (deterministic for a seed).
    SeedDemo {
        #[arg(long, default_value_t = 20)]
        shops: usize,
        #[arg(long, default_value_t = 1000)]
        products: usize,
        #[arg(long, default_value_t = 1)]
        seed: u64,
    },
    /// Rebuild this gateway's search index from the database (stop the gateway first, or use
    /// POST /api/v1/admin/search/reindex on a running one).
    Reindex,
    /// Administer users.
    Admin {
        #[command(subcommand)]
        action: AdminAction,
    },
}

#[derive(Subcommand)]
enum AdminAction {
    /// Create an administrator, or make an existing user one.
    Create {
        /// The administrator's mobile number (mainland numbers may omit +86).
        #[arg(long)]
        phone: String,
        #[arg(long)]
        nickname: Option<String>,
        /// Optional password (an admin can also log in with an SMS code). Prefer BAZAAR_ADMIN_PASSWORD
        /// over this flag: command lines are visible to other users of the machine.
        #[arg(long, env = "BAZAAR_ADMIN_PASSWORD", hide_env_values = true)]
        password: Option<String>,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let config = match Config::load(cli.config.as_deref()) {
        Ok(config) => config,
        Err(err) => return fail(&err),
    };
    match cli.command.unwrap_or(Command::Serve) {
        Command::Config => {
            println!("{}", config.to_redacted_toml().trim_end());
            ExitCode::SUCCESS
        }
        Command::Migrate => {
            telemetry::init(&config);
            migrate(&config)
        }
        Command::Admin { action: AdminAction::Create { phone, nickname, password } } => {
            telemetry::init(&config);
            actix_web::rt::System::new().block_on(create_admin(config, phone, nickname, password))
        }
        Command::SeedDemo { shops, products, seed } => {
            telemetry::init(&config);
            actix_web::rt::System::new().block_on(seed_demo(config, shops, products, seed))
        }
        Command::Reindex => {
            telemetry::init(&config);
            actix_web::rt::System::new().block_on(reindex(config))
        }
        Command::Serve => {
            telemetry::init(&config);
            actix_web::rt::System::new().block_on(serve(config))
        }
    }
}

async fn serve(config: Config) -> ExitCode {
    let app = match Application::build(config).await {
        Ok(app) => app,
        Err(err) => return fail(&err),
    };
    let base = format!("http://{}", app.local_addr());
    tracing::info!(
        database = app.state().db.backend().to_string(),
        kv = app.state().kv.backend_name(),
        "Bazaar is listening on {base}"
    );
    println!("Bazaar is listening on {base} — API docs at {base}/docs/ (OpenAPI at {base}/openapi.json)");
    match app.run_until_stopped().await {
        Ok(()) => {
            tracing::info!("stopped");
            ExitCode::SUCCESS
        }
        Err(err) => fail(&err),
    }
}

async fn create_admin(
    mut config: Config,
    phone: String,
    nickname: Option<String>,
    password: Option<String>,
) -> ExitCode {
    let db = match bazaar_gateway::app::prepare_storage(&mut config).await {
        Ok(db) => db,
        Err(err) => return fail(&err),
    };
    let identity = match bazaar_gateway::app::build_identity(&config, &db, &bazaar_kv::Kv::memory()) {
        Ok(identity) => identity,
        Err(err) => return fail(&err),
    };
    match identity.make_admin(&phone, nickname, password).await {
        Ok((user, created)) => {
            let verb = if created { "created" } else { "promoted" };
            println!("{verb} administrator {} (user {})", user.phone, user.id);
            ExitCode::SUCCESS
        }
        Err(err) => fail(&err),
    }
}

async fn seed_demo(mut config: Config, shops: usize, products: usize, seed: u64) -> ExitCode {
    let db = match bazaar_gateway::app::prepare_storage(&mut config).await {
        Ok(db) => db,
        Err(err) => return fail(&err),
    };
    let started = std::time::Instant::now();
    let outcome = db
        .run(move |conn| {
            let mut progress = |done: usize, total: usize| {
                let width = 30;
                let filled = done * width / total.max(1);
                eprint!("\rseeding [{}{}] {done}/{total} products", "#".repeat(filled), " ".repeat(width - filled));
            };
            bazaar_catalog::demo::seed(conn, shops, products, seed, &mut progress)
        })
        .await;
    eprintln!();
    match outcome {
        Ok(summary) => {
            println!(
                "seeded {} shops, {} products, {} SKUs in {:.1} s",
                summary.shops,
                summary.products,
                summary.skus,
                started.elapsed().as_secs_f64()
            );
            let shown: Vec<&str> = summary.owner_phones.iter().take(3).map(String::as_str).collect();
            let more = summary.owner_phones.len().saturating_sub(shown.len());
            println!(
                "demo shop owners sign in by SMS code (see /sandbox/sms/messages): {}{}; shops stand around \
                 People's Square, Shanghai (31.2304, 121.4737) for /api/v1/shops/nearby",
                shown.join(", "),
                if more > 0 { format!(" and {more} more") } else { String::new() }
            );
            ExitCode::SUCCESS
        }
        Err(err) => fail(&err),
    }
}

async fn reindex(mut config: Config) -> ExitCode {
    let db = match bazaar_gateway::app::prepare_storage(&mut config).await {
        Ok(db) => db,
        Err(err) => return fail(&err),
    };
    let search = match bazaar_gateway::app::open_search(&config, &db, &bazaar_kv::Kv::memory()).await {
        Ok(search) => search,
        Err(err) => return fail(&err),
    };
    let started = std::time::Instant::now();
    let progress: bazaar_search::Progress = Box::new(|done: u64, total: u64| {
        let width = 30;
        let filled = (done * width / total.max(1)).min(width) as usize;
        eprint!("\rindexing [{}{}] {done}/{total} products", "#".repeat(filled), " ".repeat(width as usize - filled));
    });
    let outcome = search.rebuild(Some(progress)).await;
    eprintln!();
    match outcome {
        Ok(count) => {
            let secs = started.elapsed().as_secs_f64();
            println!("indexed {count} products in {secs:.1} s ({:.0} products/s)", count as f64 / secs.max(0.001));
            ExitCode::SUCCESS
        }
        Err(err) => fail(&err),
    }
}

fn migrate(config: &Config) -> ExitCode {
    let url = config.database_url();
    let settings = bazaar_db::PoolSettings { max_connections: 1, ..Default::default() };
    let outcome =
        bazaar_db::Database::connect(&url, &settings).and_then(|db| bazaar_db::run_migrations(&mut *db.get()?));
    match outcome {
        Ok(applied) if applied.is_empty() => {
            println!("{}: up to date", url.redacted());
            ExitCode::SUCCESS
        }
        Ok(applied) => {
            for name in applied {
                println!("applied {name}");
            }
            ExitCode::SUCCESS
        }
        Err(err) => fail(&err),
    }
}

/// One line on stderr and a failing exit code: start-up problems are the operator's to fix, so
/// they get a sentence, not a backtrace.
fn fail(err: &dyn std::fmt::Display) -> ExitCode {
    let message = err.to_string();
    let one_line: Vec<&str> = message.lines().map(str::trim).filter(|line| !line.is_empty()).collect();
    eprintln!("bazaar: error: {}", one_line.join("; "));
    ExitCode::FAILURE
}
