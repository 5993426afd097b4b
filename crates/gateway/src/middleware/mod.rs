//! Cross-cutting request handling: request ids and logs, metrics, problem+json for every error.

pub mod metrics;
pub mod problem;
pub mod request_id;
pub mod security_headers;
