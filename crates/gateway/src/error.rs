//! The one mapping from every crate's errors to RFC 9457 problem+json.
//!
//! Each problem has a stable snake_case `code` clients can branch on, the HTTP `status`, a human
//! `detail`, and the `field` at fault where there is one. 5xx bodies never carry internals: the
//! cause is logged inside the request's span, which carries its request id.

use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpResponse, ResponseError};
use bazaar_core::{Classify, Failure, Refusal};
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

/// The one mapping: every crate error reports its kind ([`Classify`]), and the kind alone decides
/// the answer. A refusal keeps its code, field and extra members; a dependency outage is a 503 the
/// client may retry; anything else is a 500 whose cause is only logged.
impl<E: Classify> From<E> for ApiError {
    fn from(err: E) -> ApiError {
        match err.classify() {
            Failure::Refused(refusal) => ApiError::from_refusal(refusal),
            Failure::Unavailable { code, message, cause } => {
                tracing::error!(cause = %cause, code, "dependency unavailable");
                ApiError::unavailable(code, message).with_retry_after(1)
            }
            Failure::Upstream { code, message, extra } => {
                let mut error = ApiError::new(StatusCode::BAD_GATEWAY, code, message);
                error.0.0.extensions.extend(extra.into_iter().map(|(key, value)| (key.to_string(), value)));
                error
            }
            Failure::Internal(cause) => ApiError::internal(&cause),
        }
    }
}

impl ApiError {
    fn from_refusal(refusal: Refusal) -> ApiError {
        let status = match &refusal {
            Refusal::Invalid { .. } | Refusal::InvalidFields(_) => StatusCode::UNPROCESSABLE_ENTITY,
            Refusal::BadRequest { .. } => StatusCode::BAD_REQUEST,
            Refusal::Unauthenticated { .. } => StatusCode::UNAUTHORIZED,
            Refusal::Forbidden { .. } => StatusCode::FORBIDDEN,
            Refusal::NotFound(_) => StatusCode::NOT_FOUND,
            Refusal::Conflict { .. } => StatusCode::CONFLICT,
            Refusal::Gone { .. } => StatusCode::GONE,
            Refusal::RateLimited { .. } => StatusCode::TOO_MANY_REQUESTS,
        };
        let code = refusal.code();
        let mut error = if status == StatusCode::UNAUTHORIZED {
            ApiError::unauthorized(code, refusal.to_string())
        } else {
            ApiError::new(status, code, refusal.to_string())
        };
        if let Some(field) = refusal.field() {
            error = error.with_field(field);
        }
        let field_errors = refusal.field_errors();
        if !field_errors.is_empty() {
            let errors: Vec<serde_json::Value> = field_errors.iter().map(field_error).collect();
            error = error.with_extension("errors", errors);
        }
        for (key, value) in refusal.extra() {
            error = error.with_extension(key, value.clone());
        }
        if let Refusal::RateLimited { retry_after, .. } = refusal {
            // Round up: "retry in 0 s" would invite an immediate, refused retry.
            error = error.with_retry_after(retry_after.as_secs() + u64::from(retry_after.subsec_nanos() > 0));
        }
        error
    }
}

/// One member of a 422's `errors` list: `{field, code, detail}`.
fn field_error(refusal: &Refusal) -> serde_json::Value {
    let detail = match refusal {
        Refusal::Invalid { message, .. } => message.clone(),
        other => other.to_string(),
    };
    serde_json::json!({ "field": refusal.field(), "code": refusal.code(), "detail": detail })
}

#[cfg(test)]
mod tests {
    use super::*;
    use bazaar_catalog::CatalogError;
    use bazaar_chat::ChatError;
    use bazaar_checkout::CheckoutError;
    use bazaar_identity::IdentityError;
    use bazaar_payments::PaymentError;

    /// A refusal from another crate keeps its kind on the way out: a SKU that vanished under a
    /// reservation is a 404, a membership check identity refused is identity's answer — never a
    /// 500 logged as something it is not.
    #[test]
    fn refusals_from_other_crates_keep_their_kind() {
        let vanished = ApiError::from(CheckoutError::from(CatalogError::not_found("SKU")));
        assert_eq!((vanished.status(), vanished.code()), (StatusCode::NOT_FOUND, "not_found"));
        let short = ApiError::from(CheckoutError::from(CatalogError::InsufficientStock {
            sku_id: bazaar_core::ids::SkuId(1),
            available: 0,
        }));
        assert_eq!((short.status(), short.code()), (StatusCode::CONFLICT, "out_of_stock"));
        let limited = ApiError::from(CheckoutError::from(IdentityError::forbidden("staff only")));
        assert_eq!((limited.status(), limited.code()), (StatusCode::FORBIDDEN, "forbidden"));
        let through_payments = ApiError::from(PaymentError::from(CheckoutError::from(CatalogError::not_found("SKU"))));
        assert_eq!(through_payments.status(), StatusCode::NOT_FOUND);
        let chat = ApiError::from(ChatError::from(IdentityError::not_found("shop")));
        assert_eq!(chat.status(), StatusCode::NOT_FOUND);
    }
}
