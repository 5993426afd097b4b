//! Liveness and readiness for load balancers and orchestrators.

use crate::error::ApiError;
use crate::state::AppState;
use actix_web::{HttpResponse, web};
use serde::Serialize;
use std::time::Duration;
use utoipa::ToSchema;

/// How long a readiness probe waits for each dependency.
const CHECK_TIMEOUT: Duration = Duration::from_secs(2);

#[derive(Serialize, ToSchema)]
pub struct Health {
    /// Always `ok` while the process serves requests.
    pub status: &'static str,
    pub version: &'static str,
}

/// The process is up.
#[utoipa::path(get, path = "/healthz", tag = "operations",
    responses((status = 200, description = "The process is serving", body = Health)))]
pub async fn healthz() -> web::Json<Health> {
    web::Json(Health { status: "ok", version: env!("CARGO_PKG_VERSION") })
}

#[derive(Serialize, ToSchema)]
pub struct Check {
    pub ok: bool,
    /// `sqlite` / `postgres`, or `memory` / `redis`.
    pub backend: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct Readiness {
    pub status: &'static str,
    pub database: Check,
    pub kv: Check,
}

async fn check<E: std::fmt::Display>(
    backend: &'static str,
    probe: impl std::future::Future<Output = Result<(), E>>,
) -> Check {
    let error = match tokio::time::timeout(CHECK_TIMEOUT, probe).await {
        Ok(Ok(())) => None,
        Ok(Err(err)) => Some(err.to_string()),
        Err(_) => Some(format!("no answer within {CHECK_TIMEOUT:?}")),
    };
    Check { ok: error.is_none(), backend, error }
}

/// The database and the kv store both answer.
#[utoipa::path(get, path = "/readyz", tag = "operations", responses(
    (status = 200, description = "Ready to serve", body = Readiness),
    (status = 503, description = "A dependency is down (problem+json with the checks)", body = crate::error::Problem)))]
pub async fn readyz(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let db_backend = match state.db.backend() {
        bazaar_db::Backend::Sqlite => "sqlite",
        bazaar_db::Backend::Postgres => "postgres",
    };
    let (database, kv) =
        tokio::join!(check(db_backend, state.db.ping()), check(state.kv.backend_name(), state.kv.ping()));
    if database.ok && kv.ok {
        return Ok(HttpResponse::Ok().json(Readiness { status: "ready", database, kv }));
    }
    for (name, failed) in [("database", &database), ("kv", &kv)] {
        if let Some(error) = &failed.error {
            tracing::warn!(dependency = name, error = %error, "not ready");
        }
    }
    let checks = serde_json::to_value(Readiness { status: "not_ready", database, kv }).unwrap_or_default();
    Err(ApiError::unavailable("not_ready", "A dependency is unreachable.").with_extension("checks", checks))
}
