//! Prometheus metrics: request counts and latency by route pattern and status, pool gauges.

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::{Error, web};
use bazaar_db::PoolStatus;
use prometheus::{
    Encoder, HistogramOpts, HistogramVec, IntCounter, IntCounterVec, IntGaugeVec, Opts, Registry, TextEncoder,
};
use std::time::Instant;

#[derive(Clone)]
pub struct Metrics {
    registry: Registry,
    requests: IntCounterVec,
    latency: HistogramVec,
    pool: IntGaugeVec,
    /// Short links followed (`/s/{code}`), by outcome: one atomic add each, resolved at start.
    pub short_links_redirected: IntCounter,
    pub short_links_dead: IntCounter,
}

impl Metrics {
    pub fn new() -> Result<Metrics, prometheus::Error> {
        let registry = Registry::new_custom(Some("bazaar".into()), None)?;
        let requests = IntCounterVec::new(
            Opts::new("http_requests_total", "HTTP requests by route pattern, method and status."),
            &["method", "route", "status"],
        )?;
        let latency = HistogramVec::new(
            HistogramOpts::new("http_request_duration_seconds", "HTTP request latency by route pattern.")
                .buckets(vec![0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0]),
            &["method", "route"],
        )?;
        let pool = IntGaugeVec::new(
            Opts::new("db_pool_connections", "Database pool connections by state (open, idle, max)."),
            &["state"],
        )?;
        let short_links = IntCounterVec::new(
            Opts::new("short_link_follows_total", "Short links followed (/s/{code}), by outcome (redirect, dead)."),
            &["outcome"],
        )?;
        registry.register(Box::new(requests.clone()))?;
        registry.register(Box::new(latency.clone()))?;
        registry.register(Box::new(pool.clone()))?;
        registry.register(Box::new(short_links.clone()))?;
        let short_links_redirected = short_links.with_label_values(&["redirect"]);
        let short_links_dead = short_links.with_label_values(&["dead"]);
        Ok(Metrics { registry, requests, latency, pool, short_links_redirected, short_links_dead })
    }

    fn observe(&self, method: &str, route: &str, status: u16, seconds: f64) {
        self.requests.with_label_values(&[method, route, &status.to_string()]).inc();
        self.latency.with_label_values(&[method, route]).observe(seconds);
    }

    /// The text exposition, with pool gauges read now.
    pub fn render(&self, pool: PoolStatus) -> String {
        self.pool.with_label_values(&["open"]).set(i64::from(pool.connections));
        self.pool.with_label_values(&["idle"]).set(i64::from(pool.idle));
        self.pool.with_label_values(&["max"]).set(i64::from(pool.max));
        let mut buffer = Vec::new();
        if let Err(err) = TextEncoder::new().encode(&self.registry.gather(), &mut buffer) {
            tracing::error!(cause = %err, "cannot encode metrics");
        }
        String::from_utf8(buffer).unwrap_or_default()
    }
}

pub async fn record(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, Error> {
    let metrics = req.app_data::<web::Data<Metrics>>().cloned();
    let method = req.method().to_string();
    let started = Instant::now();
    let response = next.call(req).await?;
    if let Some(metrics) = metrics {
        // The route pattern, not the path, so ids in paths don't explode the label set.
        let route = response.request().match_pattern().unwrap_or_else(|| "unmatched".into());
        metrics.observe(&method, &route, response.status().as_u16(), started.elapsed().as_secs_f64());
    }
    Ok(response)
}
