//! Sending SMS. Callers (login codes now, marketing campaigns later) use an [`SmsProvider`];
//! configuration picks the implementation:
//! - [`SandboxSms`] stores messages in the database instead of sending them (development, tests);
//! - [`HttpSms`] posts each message as JSON to an SMS gateway's HTTP endpoint (production).

mod config;
mod http;
mod sandbox;

pub use config::{SmsConfig, SmsProviderKind};
pub use http::HttpSms;
pub use sandbox::{SandboxSms, SentSms, sandbox_messages};

use futures_util::future::BoxFuture;

#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct SmsError(pub String);

pub trait SmsProvider: Send + Sync + 'static {
    /// Delivers `text` to `phone` (E.164). Resolves once the provider has accepted it.
    fn send<'a>(&'a self, phone: &'a str, text: &'a str) -> BoxFuture<'a, Result<(), SmsError>>;
}
