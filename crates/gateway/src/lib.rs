//! The Bazaar gateway: the only crate that knows HTTP. It reads configuration, builds the
//! application (database, kv, routes, middleware) and serves the phone API.

pub mod app;
pub mod auth;
mod background;
pub mod client_ip;
pub mod config;
pub mod error;
pub mod extract;
mod h5;
pub mod middleware;
pub mod openapi;
pub mod page;
pub mod payment_setup;
pub mod problem;
pub mod routes;
pub mod secrets;
pub mod state;
pub mod telemetry;

pub use app::{Application, StartError};
pub use config::Config;

/// For `endpoints!`, which names each handler's `#[utoipa::path]` declaration.
#[doc(hidden)]
pub use paste::paste as __paste;
