//! One vocabulary for saying no, and one way for any crate's error to say what kind it is.
//!
//! A domain crate refuses with a [`Refusal`] (embedded in its own error enum) and implements
//! [`Classify`] for that enum. Whoever answers a client — the HTTP gateway, a WebSocket, a job —
//! turns the [`Failure`] into its own wire form once, generically; no caller re-maps a crate's
//! variants. A refusal is the client's to fix or wait out (4xx); the other kinds are ours (5xx) and
//! carry their cause only for the log.

use std::borrow::Cow;
use std::fmt;
use std::time::Duration;

/// Extra machine-readable members of a refusal (`sku_id`, `available`, `attempts_left`…).
pub type Extra = Vec<(&'static str, serde_json::Value)>;

/// Why a request was refused. Each variant has a stable `code` clients branch on.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum Refusal {
    /// A request field is wrong (422). `code` is `invalid_field` unless a sharper one exists
    /// (`weak_password`).
    #[error("{field}: {message}")]
    Invalid { field: Cow<'static, str>, code: &'static str, message: String },
    /// Several fields are wrong at once (422): each an `Invalid`, in the order they were checked,
    /// so a form can mark every bad field in one round trip.
    #[error("{}", join_messages(.0))]
    InvalidFields(Vec<Refusal>),
    /// The request as a whole cannot be understood (400).
    #[error("{message}")]
    BadRequest { code: &'static str, field: Option<&'static str>, message: String },
    /// The caller is not (or no longer) signed in, or proved nothing (401).
    #[error("{message}")]
    Unauthenticated { code: &'static str, field: Option<&'static str>, message: String, extra: Extra },
    /// Signed in, but not allowed to do this (403).
    #[error("{message}")]
    Forbidden { code: &'static str, message: Cow<'static, str> },
    /// What was asked for does not exist, or is not the caller's to see (404).
    #[error("{0} not found")]
    NotFound(&'static str),
    /// The request contradicts the current state (409).
    #[error("{message}")]
    Conflict { code: &'static str, field: Option<&'static str>, message: String, extra: Extra },
    /// It existed but is over for good (410).
    #[error("{message}")]
    Gone { code: &'static str, message: String },
    /// Too many of these; `retry_after` says when another may succeed (429).
    #[error("{message}")]
    RateLimited { message: String, retry_after: Duration },
}

impl Refusal {
    pub fn invalid(field: impl Into<Cow<'static, str>>, message: impl Into<String>) -> Refusal {
        Refusal::Invalid { field: field.into(), code: "invalid_field", message: message.into() }
    }

    pub fn not_found(what: &'static str) -> Refusal {
        Refusal::NotFound(what)
    }

    pub fn forbidden(message: impl Into<Cow<'static, str>>) -> Refusal {
        Refusal::Forbidden { code: "forbidden", message: message.into() }
    }

    pub fn conflict(code: &'static str, message: impl Into<String>) -> Refusal {
        Refusal::Conflict { code, field: None, message: message.into(), extra: Extra::new() }
    }

    pub fn unauthenticated(code: &'static str, message: impl Into<String>) -> Refusal {
        Refusal::Unauthenticated { code, field: None, message: message.into(), extra: Extra::new() }
    }

    pub fn rate_limited(message: impl Into<String>, retry_after: Duration) -> Refusal {
        Refusal::RateLimited { message: message.into(), retry_after }
    }

    /// Adds a machine-readable member (kept only by the variants that carry extras).
    pub fn with(mut self, key: &'static str, value: impl Into<serde_json::Value>) -> Refusal {
        if let Refusal::Conflict { extra, .. } | Refusal::Unauthenticated { extra, .. } = &mut self {
            extra.push((key, value.into()));
        }
        self
    }

    /// Names the request field at fault (for variants that can carry one).
    pub fn at_field(mut self, at: &'static str) -> Refusal {
        match &mut self {
            Refusal::Invalid { field, .. } => *field = Cow::Borrowed(at),
            Refusal::BadRequest { field, .. }
            | Refusal::Unauthenticated { field, .. }
            | Refusal::Conflict { field, .. } => *field = Some(at),
            _ => {}
        }
        self
    }

    /// The stable code clients branch on.
    pub fn code(&self) -> &'static str {
        match self {
            Refusal::Invalid { code, .. }
            | Refusal::BadRequest { code, .. }
            | Refusal::Unauthenticated { code, .. }
            | Refusal::Forbidden { code, .. }
            | Refusal::Conflict { code, .. }
            | Refusal::Gone { code, .. } => code,
            Refusal::InvalidFields(all) => all.first().map_or("invalid_field", Refusal::code),
            Refusal::NotFound(_) => "not_found",
            Refusal::RateLimited { .. } => "rate_limited",
        }
    }

    /// The request field at fault, where there is one.
    pub fn field(&self) -> Option<&str> {
        match self {
            Refusal::Invalid { field, .. } => Some(field),
            Refusal::InvalidFields(all) => all.first().and_then(Refusal::field),
            Refusal::BadRequest { field, .. }
            | Refusal::Unauthenticated { field, .. }
            | Refusal::Conflict { field, .. } => *field,
            _ => None,
        }
    }

    pub fn extra(&self) -> &[(&'static str, serde_json::Value)] {
        match self {
            Refusal::Conflict { extra, .. } | Refusal::Unauthenticated { extra, .. } => extra,
            _ => &[],
        }
    }
}

fn join_messages(all: &[Refusal]) -> String {
    all.iter().map(Refusal::to_string).collect::<Vec<_>>().join("; ")
}

impl Refusal {
    /// Every field refusal inside this one (itself when it is a single `Invalid`).
    pub fn field_errors(&self) -> &[Refusal] {
        match self {
            Refusal::InvalidFields(all) => all,
            Refusal::Invalid { .. } => std::slice::from_ref(self),
            _ => &[],
        }
    }
}

/// Collects field refusals so that a form with several bad fields hears of all of them at once.
/// Each check hands back the value, or a default standing in for it until [`FieldChecks::finish`]
/// refuses; any other error (the database, say) is kept and returned by `finish` instead.
pub struct FieldChecks<E> {
    invalid: Vec<Refusal>,
    other: Option<E>,
}

impl<E: Classify + From<Refusal>> Default for FieldChecks<E> {
    fn default() -> Self {
        FieldChecks { invalid: Vec::new(), other: None }
    }
}

impl<E: Classify + From<Refusal>> FieldChecks<E> {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn check<T: Default>(&mut self, result: Result<T, E>) -> T {
        match result {
            Ok(value) => value,
            Err(err) => {
                match err.classify() {
                    Failure::Refused(refusal @ Refusal::Invalid { .. }) => self.invalid.push(refusal),
                    Failure::Refused(Refusal::InvalidFields(all)) => self.invalid.extend(all),
                    _ => {
                        if self.other.is_none() {
                            self.other = Some(err);
                        }
                    }
                }
                T::default()
            }
        }
    }

    /// Ok when every check passed; otherwise the first non-field error, or every field refusal.
    pub fn finish(mut self) -> Result<(), E> {
        if let Some(err) = self.other {
            return Err(err);
        }
        match self.invalid.len() {
            0 => Ok(()),
            1 => Err(self.invalid.remove(0).into()),
            _ => Err(Refusal::InvalidFields(self.invalid).into()),
        }
    }
}

/// What an error is, for whoever has to answer for it.
pub enum Failure<'a> {
    /// The client's to fix or wait out.
    Refused(Refusal),
    /// A service we depend on is down or saturated; the same request may succeed shortly (503).
    Unavailable { code: &'static str, message: &'static str, cause: &'a dyn fmt::Display },
    /// A provider we called refused or failed (502); `message` is safe to show.
    Upstream { code: &'static str, message: String, extra: Extra },
    /// Our bug or a damaged row (500): the cause is for the log only.
    Internal(&'a dyn fmt::Display),
}

/// Implemented by every crate's error: reports its kind, delegating for errors it wraps from
/// other crates so that they keep theirs.
pub trait Classify {
    fn classify(&self) -> Failure<'_>;
}

impl Classify for Refusal {
    fn classify(&self) -> Failure<'_> {
        Failure::Refused(self.clone())
    }
}

/// Gives a crate's error (which must implement `From<Refusal>`) the four everyday refusals as
/// constructors, so call sites read `CatalogError::not_found("SKU")` in every crate alike.
#[macro_export]
macro_rules! refusal_constructors {
    ($error:ty) => {
        impl $error {
            pub fn invalid(field: impl Into<std::borrow::Cow<'static, str>>, message: impl Into<String>) -> $error {
                $crate::Refusal::invalid(field, message).into()
            }

            pub fn not_found(what: &'static str) -> $error {
                $crate::Refusal::not_found(what).into()
            }

            pub fn forbidden(message: impl Into<std::borrow::Cow<'static, str>>) -> $error {
                $crate::Refusal::forbidden(message).into()
            }

            pub fn conflict(code: &'static str, message: impl Into<String>) -> $error {
                $crate::Refusal::conflict(code, message).into()
            }
        }
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_fields_and_extras_come_from_the_variant() {
        let short = Refusal::conflict("out_of_stock", "not enough").with("available", 2);
        assert_eq!(short.code(), "out_of_stock");
        assert_eq!(short.extra(), &[("available", serde_json::json!(2))]);
        let bad = Refusal::invalid("items[0].quantity", "must be at least 1");
        assert_eq!((bad.code(), bad.field()), ("invalid_field", Some("items[0].quantity")));
        assert_eq!(bad.to_string(), "items[0].quantity: must be at least 1");
        assert_eq!(Refusal::not_found("SKU").to_string(), "SKU not found");
        let mut checks = FieldChecks::<Refusal>::new();
        let kept: String = checks.check(Ok("fine".to_string()));
        let _: String = checks.check(Err(Refusal::invalid("phone", "must be 11 digits")));
        let _: u32 = checks.check(Err(Refusal::invalid("name", "is empty")));
        let all = checks.finish().unwrap_err();
        assert_eq!(kept, "fine");
        assert_eq!((all.field(), all.field_errors().len()), (Some("phone"), 2));
        assert_eq!(all.to_string(), "phone: must be 11 digits; name: is empty");
        // Extras are only kept where the wire form has room for them.
        assert!(Refusal::not_found("SKU").with("id", 1).extra().is_empty());
    }
}
