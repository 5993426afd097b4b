//! The one mapping from every crate's errors to RFC 9457 problem+json.
//!
//! Each problem has a stable snake_case `code` clients can branch on, the HTTP `status`, a human
//! `detail`, and the `field` at fault where there is one. 5xx bodies never carry internals: the
//! cause is logged inside the request's span, which carries its request id.

use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpResponse, ResponseError};
use bazaar_catalog::CatalogError;
use bazaar_chat::ChatError;
use bazaar_checkout::CheckoutError;
use bazaar_db::DbError;
use bazaar_identity::IdentityError;
use bazaar_kv::KvError;
use bazaar_payments::PaymentError;
use bazaar_payments::provider::ProviderError;
use bazaar_search::SearchError;
use serde::Serialize;
use std::borrow::Cow;
use std::fmt;
use utoipa::ToSchema;

pub const PROBLEM_JSON: &str = "application/problem+json";

/// An RFC 9457 problem document.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Problem {
    /// A URI reference naming the problem kind; `/docs/problems#<code>`.
    #[serde(rename = "type")]
    pub kind: String,
    /// Short summary of the status.
    pub title: String,
    pub status: u16,
    /// Stable machine-readable code, e.g. `not_found`, `malformed_json`, `payload_too_large`.
    pub code: String,
    /// What went wrong, for a person.
    pub detail: String,
    /// The request field at fault (a JSON path such as `items[2].quantity`, or a query parameter).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// Extra machine-readable facts (e.g. `line` and `column` of a JSON syntax error).
    #[serde(flatten, skip_serializing_if = "serde_json::Map::is_empty")]
    #[schema(value_type = Object)]
    pub extensions: serde_json::Map<String, serde_json::Value>,
}

/// An error a handler returns; rendered once, here. Boxed: errors travel through every `Result`
/// in a handler, and a pointer keeps the happy path's return values small.
#[derive(Debug, Clone)]
pub struct ApiError(Box<Details>);

#[derive(Debug, Clone)]
struct Details {
    status: StatusCode,
    code: Cow<'static, str>,
    detail: String,
    field: Option<String>,
    extensions: serde_json::Map<String, serde_json::Value>,
    headers: Vec<(header::HeaderName, String)>,
}

impl ApiError {
    pub fn new(status: StatusCode, code: impl Into<Cow<'static, str>>, detail: impl Into<String>) -> ApiError {
        ApiError(Box::new(Details {
            status,
            code: code.into(),
            detail: detail.into(),
            field: None,
            extensions: serde_json::Map::new(),
            headers: Vec::new(),
        }))
    }

    /// The detail and field, for channels that are not HTTP (WebSocket error frames).
    pub fn detail(&self) -> &str {
        &self.0.detail
    }

    pub fn field(&self) -> Option<&str> {
        self.0.field.as_deref()
    }

    pub fn extensions(&self) -> &serde_json::Map<String, serde_json::Value> {
        &self.0.extensions
    }

    pub fn with_field(mut self, field: impl Into<String>) -> ApiError {
        self.0.field = Some(field.into());
        self
    }

    pub fn with_extension(mut self, key: &str, value: impl Into<serde_json::Value>) -> ApiError {
        self.0.extensions.insert(key.to_string(), value.into());
        self
    }

    pub fn with_header(mut self, name: header::HeaderName, value: impl Into<String>) -> ApiError {
        self.0.headers.push((name, value.into()));
        self
    }

    pub fn with_retry_after(mut self, seconds: u64) -> ApiError {
        self.0.headers.push((header::RETRY_AFTER, seconds.max(1).to_string()));
        self
    }

    /// 401s say how to authenticate (RFC 6750).
    pub fn unauthorized(code: &'static str, detail: impl Into<String>) -> ApiError {
        let mut error = ApiError::new(StatusCode::UNAUTHORIZED, code, detail);
        let challenge = format!(
            "Bearer realm=\"bazaar\", error=\"{}\"",
            if code == "unauthenticated" { "invalid_request" } else { "invalid_token" }
        );
        error.0.headers.push((header::WWW_AUTHENTICATE, challenge));
        error
    }

    pub fn bad_request(code: &'static str, detail: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::BAD_REQUEST, code, detail)
    }

    pub fn not_found(detail: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::NOT_FOUND, "not_found", detail)
    }

    pub fn unavailable(code: &'static str, detail: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::SERVICE_UNAVAILABLE, code, detail)
    }

    /// A failure that is ours, not the client's: the cause is logged, the body says nothing of it.
    pub fn internal(cause: &dyn fmt::Display) -> ApiError {
        tracing::error!(cause = %cause, "internal error");
        ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal_error",
            "Something went wrong on our side. Quote the X-Request-Id response header when reporting it.",
        )
    }

    /// The problem for a status that carries no more than the status itself (used for responses
    /// actix produces on its own, such as 405).
    pub fn from_status(status: StatusCode) -> ApiError {
        let (code, detail) = match status {
            StatusCode::NOT_FOUND => ("not_found", "No such resource."),
            StatusCode::METHOD_NOT_ALLOWED => ("method_not_allowed", "This resource does not accept that method."),
            StatusCode::PAYLOAD_TOO_LARGE => ("payload_too_large", "The request body is too large."),
            StatusCode::UNSUPPORTED_MEDIA_TYPE => ("unsupported_media_type", "Send the body as application/json."),
            StatusCode::REQUEST_TIMEOUT => ("request_timeout", "The request took too long to arrive."),
            StatusCode::BAD_REQUEST => ("bad_request", "The request is malformed."),
            StatusCode::UNAUTHORIZED => ("unauthorized", "Authentication is required."),
            StatusCode::FORBIDDEN => ("forbidden", "You may not do that."),
            StatusCode::TOO_MANY_REQUESTS => ("rate_limited", "Too many requests; slow down."),
            status if status.is_server_error() => ("internal_error", "Something went wrong on our side."),
            _ => ("error", "The request failed."),
        };
        ApiError::new(status, code, detail)
    }

    pub fn status(&self) -> StatusCode {
        self.0.status
    }

    pub fn code(&self) -> &str {
        &self.0.code
    }

    pub fn to_problem(&self) -> Problem {
        Problem {
            kind: format!("/docs/problems#{}", self.0.code),
            title: self.0.status.canonical_reason().unwrap_or("Error").to_string(),
            status: self.0.status.as_u16(),
            code: self.0.code.to_string(),
            detail: self.0.detail.clone(),
            field: self.0.field.clone(),
            extensions: self.0.extensions.clone(),
        }
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}: {}", self.0.status.as_u16(), self.0.code, self.0.detail)
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        self.0.status
    }

    fn error_response(&self) -> HttpResponse {
        let mut response = HttpResponse::build(self.0.status);
        response.insert_header((header::CONTENT_TYPE, HeaderValue::from_static(PROBLEM_JSON)));
        for (name, value) in &self.0.headers {
            if let Ok(value) = HeaderValue::from_str(value) {
                response.insert_header((name.clone(), value));
            }
        }
        response.body(serde_json::to_string(&self.to_problem()).unwrap_or_default())
    }
}

impl From<DbError> for ApiError {
    fn from(err: DbError) -> ApiError {
        if err.is_not_found() {
            return ApiError::not_found("No such resource.");
        }
        match err {
            DbError::Pool(_) | DbError::Busy(_) | DbError::Connect { .. } => {
                tracing::error!(cause = %err, "database unavailable");
                ApiError::unavailable("database_unavailable", "The database is busy or unreachable; try again shortly.")
                    .with_retry_after(1)
            }
            // A unique key lost a race with a concurrent request that got there first: the
            // request can simply be sent again, so it is a 409 with a code, never a 500.
            other if other.is_unique_violation() => {
                tracing::warn!(cause = %other, "unique-key race answered 409");
                ApiError::new(
                    StatusCode::CONFLICT,
                    "concurrent_change",
                    "A simultaneous request changed this first; try again.",
                )
            }
            other => ApiError::internal(&other),
        }
    }
}

impl From<KvError> for ApiError {
    fn from(err: KvError) -> ApiError {
        match err {
            KvError::Connect(_) | KvError::Command(_) => {
                tracing::error!(cause = %err, "kv unavailable");
                ApiError::unavailable("kv_unavailable", "A shared service is unreachable; try again shortly.")
                    .with_retry_after(1)
            }
            other => ApiError::internal(&other),
        }
    }
}

impl From<IdentityError> for ApiError {
    fn from(err: IdentityError) -> ApiError {
        use IdentityError as E;
        let detail = err.to_string();
        match err {
            E::Invalid { field, message } => {
                ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid_field", format!("{field} {message}"))
                    .with_field(field)
            }
            E::WeakPassword(_) => {
                ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "weak_password", detail).with_field("password")
            }
            E::PhoneTaken => ApiError::new(StatusCode::CONFLICT, "phone_taken", detail).with_field("phone"),
            E::InvalidCredentials => ApiError::unauthorized("invalid_credentials", detail),
            E::InvalidToken(_) => ApiError::unauthorized("invalid_token", detail),
            E::TokenExpired => ApiError::unauthorized("token_expired", detail),
            E::Unauthenticated => ApiError::unauthorized("unauthenticated", detail),
            E::SessionRevoked => ApiError::unauthorized("session_revoked", detail),
            E::InvalidRefreshToken => ApiError::unauthorized("invalid_refresh_token", detail),
            E::RefreshTokenReused => ApiError::unauthorized("refresh_token_reused", detail),
            E::OtpExpired => ApiError::unauthorized("otp_expired", detail).with_field("code"),
            E::OtpWrong { attempts_left } => ApiError::unauthorized("otp_invalid", detail)
                .with_field("code")
                .with_extension("attempts_left", attempts_left),
            E::OtpBurned => ApiError::unauthorized("otp_burned", detail).with_field("code"),
            E::RateLimited { retry_after } => {
                let seconds = retry_after.as_secs() + u64::from(retry_after.subsec_nanos() > 0);
                ApiError::new(StatusCode::TOO_MANY_REQUESTS, "rate_limited", detail).with_retry_after(seconds)
            }
            E::SmsFailed(_) => {
                tracing::error!(cause = %detail, "sms provider failed");
                ApiError::unavailable("sms_unavailable", "The SMS could not be sent; try again shortly.")
            }
            E::NotFound(_) => ApiError::not_found(detail),
            E::Forbidden(_) => ApiError::new(StatusCode::FORBIDDEN, "forbidden", detail),
            E::Conflict { code, .. } => ApiError::new(StatusCode::CONFLICT, code, detail),
            E::TooManyAddresses(_) => ApiError::new(StatusCode::CONFLICT, "too_many_addresses", detail),
            E::Hashing(_) => ApiError::internal(&detail),
            E::Db(db) => db.into(),
            E::Kv(kv) => kv.into(),
        }
    }
}

impl From<CatalogError> for ApiError {
    fn from(err: CatalogError) -> ApiError {
        let detail = err.to_string();
        match err {
            CatalogError::Invalid { field, message } => {
                ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid_field", format!("{field} {message}"))
                    .with_field(field)
            }
            CatalogError::NotFound(_) => ApiError::not_found(detail),
            CatalogError::Forbidden(_) => ApiError::new(StatusCode::FORBIDDEN, "forbidden", detail),
            CatalogError::Conflict { code, .. } => ApiError::new(StatusCode::CONFLICT, code, detail),
            CatalogError::InsufficientStock { sku_id, available } => {
                ApiError::new(StatusCode::CONFLICT, "out_of_stock", detail)
                    .with_extension("sku_id", sku_id)
                    .with_extension("available", available)
            }
            CatalogError::Identity(identity) => (*identity).into(),
            CatalogError::Db(db) => db.into(),
        }
    }
}

impl From<CheckoutError> for ApiError {
    fn from(err: CheckoutError) -> ApiError {
        let detail = err.to_string();
        match err {
            CheckoutError::Invalid { field, .. } => {
                ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid_field", detail).with_field(field)
            }
            CheckoutError::NotFound(_) => ApiError::not_found(detail),
            CheckoutError::Conflict { code, .. } => ApiError::new(StatusCode::CONFLICT, code, detail),
            CheckoutError::OutOfStock { sku_id, available } => {
                ApiError::new(StatusCode::CONFLICT, "out_of_stock", detail)
                    .with_extension("sku_id", sku_id)
                    .with_extension("available", available)
            }
            CheckoutError::InvalidTransition { current, .. } => {
                ApiError::new(StatusCode::CONFLICT, "invalid_transition", detail)
                    .with_extension("current_status", current)
            }
            CheckoutError::Forbidden(_) => ApiError::new(StatusCode::FORBIDDEN, "forbidden", detail),
            CheckoutError::Catalog(catalog) => (*catalog).into(),
            CheckoutError::Identity(identity) => (*identity).into(),
            CheckoutError::Db(db) => db.into(),
        }
    }
}

impl From<ChatError> for ApiError {
    fn from(err: ChatError) -> ApiError {
        let detail = err.to_string();
        match err {
            ChatError::Invalid { field, .. } => {
                ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid_field", detail).with_field(field)
            }
            ChatError::NotFound(_) => ApiError::not_found(detail),
            ChatError::Forbidden(_) => ApiError::new(StatusCode::FORBIDDEN, "forbidden", detail),
            ChatError::Conflict { code, .. } => ApiError::new(StatusCode::CONFLICT, code, detail),
            ChatError::Blocked => ApiError::new(StatusCode::FORBIDDEN, "chat_blocked", detail),
            ChatError::RateLimited { retry_after } => {
                ApiError::new(StatusCode::TOO_MANY_REQUESTS, "rate_limited", detail)
                    .with_retry_after(retry_after.as_secs().max(1))
            }
            ChatError::Identity(identity) => (*identity).into(),
            ChatError::Db(db) => db.into(),
            ChatError::Kv(kv) => kv.into(),
        }
    }
}

impl From<SearchError> for ApiError {
    fn from(err: SearchError) -> ApiError {
        let detail = err.to_string();
        match err {
            SearchError::Invalid { field, .. } => {
                ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid_field", detail).with_field(field)
            }
            SearchError::EmptyQuery => ApiError::bad_request("empty_query", detail).with_field("q"),
            SearchError::Identity(identity) => (*identity).into(),
            SearchError::Db(db) => db.into(),
            SearchError::Kv(kv) => kv.into(),
            SearchError::Index(_) | SearchError::Io(_) => ApiError::internal(&detail),
        }
    }
}

impl From<PaymentError> for ApiError {
    fn from(err: PaymentError) -> ApiError {
        let detail = err.to_string();
        match err {
            PaymentError::Invalid { field, .. } => {
                ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid_field", detail).with_field(field)
            }
            PaymentError::NotFound(_) => ApiError::not_found(detail),
            PaymentError::ProviderUnavailable(_) => {
                ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "provider_unavailable", detail).with_field("provider")
            }
            PaymentError::NothingToPay => ApiError::new(StatusCode::CONFLICT, "nothing_to_pay", detail),
            PaymentError::Expired(_) => ApiError::new(StatusCode::GONE, "expired", detail),
            PaymentError::InvalidState { current, .. } => {
                ApiError::new(StatusCode::CONFLICT, "invalid_payment_state", detail).with_extension("current", current)
            }
            PaymentError::RefundTooLarge { refundable, .. } => {
                ApiError::new(StatusCode::CONFLICT, "refund_too_large", detail)
                    .with_extension("refundable_fen", refundable)
            }
            // The provider's own refusal is worth passing on; its transport trouble is ours to retry.
            PaymentError::Provider(ProviderError::Refused { code, message }) => {
                ApiError::new(StatusCode::BAD_GATEWAY, "provider_refused", format!("{code}: {message}"))
                    .with_extension("provider_code", code)
            }
            PaymentError::Provider(provider) => {
                tracing::warn!(error = %provider, "payment provider call failed");
                ApiError::new(StatusCode::BAD_GATEWAY, "provider_unavailable", provider.to_string())
            }
            PaymentError::Checkout(checkout) => checkout.into(),
            PaymentError::Db(db) => db.into(),
            PaymentError::Kv(kv) => kv.into(),
            PaymentError::RateLimited { retry_after } => {
                ApiError::new(StatusCode::TOO_MANY_REQUESTS, "rate_limited", detail)
                    .with_retry_after(retry_after.as_secs().max(1))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A refusal from another crate keeps its kind on the way out: a SKU that vanished under a
    /// reservation is a 404, a membership check identity refused is identity's answer — never a
    /// 500 logged as something it is not.
    #[test]
    fn refusals_from_other_crates_keep_their_kind() {
        let vanished = ApiError::from(CheckoutError::from(CatalogError::NotFound("SKU")));
        assert_eq!((vanished.status(), vanished.code()), (StatusCode::NOT_FOUND, "not_found"));
        let short = ApiError::from(CheckoutError::from(CatalogError::InsufficientStock { sku_id: 1, available: 0 }));
        assert_eq!((short.status(), short.code()), (StatusCode::CONFLICT, "out_of_stock"));
        let limited = ApiError::from(CheckoutError::from(IdentityError::Forbidden("staff only")));
        assert_eq!((limited.status(), limited.code()), (StatusCode::FORBIDDEN, "forbidden"));
        let through_payments = ApiError::from(PaymentError::from(CheckoutError::from(CatalogError::NotFound("SKU"))));
        assert_eq!(through_payments.status(), StatusCode::NOT_FOUND);
        let chat = ApiError::from(ChatError::from(IdentityError::NotFound("shop")));
        assert_eq!(chat.status(), StatusCode::NOT_FOUND);
    }
}
