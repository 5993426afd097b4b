//! The problem document every error is answered with (RFC 9457), and [`ApiError`], the error a
//! handler returns: the problem plus any headers that go with it, rendered once, here.

use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpResponse, ResponseError};
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

/// An error a handler returns: the problem it answers with and any headers that go with it;
/// rendered once, here. Boxed: errors travel through every `Result` in a handler, and a pointer
/// keeps the happy path's return values small.
#[derive(Debug, Clone)]
pub struct ApiError(Box<(Problem, Vec<(header::HeaderName, String)>)>);

impl ApiError {
    pub fn new(status: StatusCode, code: impl Into<Cow<'static, str>>, detail: impl Into<String>) -> ApiError {
        let code = code.into();
        ApiError(Box::new((
            Problem {
                kind: format!("/docs/problems#{code}"),
                title: status.canonical_reason().unwrap_or("Error").to_string(),
                status: status.as_u16(),
                code: code.into_owned(),
                detail: detail.into(),
                field: None,
                extensions: serde_json::Map::new(),
            },
            Vec::new(),
        )))
    }

    /// The problem as served, for channels that are not HTTP (WebSocket error frames) and tests.
    pub fn problem(&self) -> &Problem {
        &self.0.0
    }

    pub fn with_field(mut self, field: impl Into<String>) -> ApiError {
        self.0.0.field = Some(field.into());
        self
    }

    pub fn with_extension(mut self, key: &str, value: impl Into<serde_json::Value>) -> ApiError {
        self.0.0.extensions.insert(key.to_string(), value.into());
        self
    }

    pub fn with_header(mut self, name: header::HeaderName, value: impl Into<String>) -> ApiError {
        self.0.1.push((name, value.into()));
        self
    }

    pub fn with_retry_after(mut self, seconds: u64) -> ApiError {
        self.0.1.push((header::RETRY_AFTER, seconds.max(1).to_string()));
        self
    }

    /// 401s say how to authenticate (RFC 6750).
    pub fn unauthorized(code: &'static str, detail: impl Into<String>) -> ApiError {
        let mut error = ApiError::new(StatusCode::UNAUTHORIZED, code, detail);
        let challenge = format!(
            "Bearer realm=\"bazaar\", error=\"{}\"",
            if code == "unauthenticated" { "invalid_request" } else { "invalid_token" }
        );
        error.0.1.push((header::WWW_AUTHENTICATE, challenge));
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
        StatusCode::from_u16(self.0.0.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
    }

    pub fn code(&self) -> &str {
        &self.0.0.code
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let problem = self.problem();
        write!(f, "{} {}: {}", problem.status, problem.code, problem.detail)
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        self.status()
    }

    fn error_response(&self) -> HttpResponse {
        let mut response = HttpResponse::build(self.status());
        response.insert_header((header::CONTENT_TYPE, HeaderValue::from_static(PROBLEM_JSON)));
        for (name, value) in &self.0.1 {
            if let Ok(value) = HeaderValue::from_str(value) {
                response.insert_header((name.clone(), value));
            }
        }
        response.body(serde_json::to_string(self.problem()).unwrap_or_default())
    }
}
