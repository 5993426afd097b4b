//! The one mapping from every crate's errors to RFC 9457 problem+json.
//!
//! Each problem has a stable snake_case `code` clients can branch on, the HTTP `status`, a human
//! `detail`, and the `field` at fault where there is one. 5xx bodies never carry internals: the
//! cause is logged inside the request's span, which carries its request id.

use actix_web::http::StatusCode;
use bazaar_core::{Classify, Failure, Refusal};

pub use crate::problem::{ApiError, PROBLEM_JSON, Problem};

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
                let error = ApiError::new(StatusCode::BAD_GATEWAY, code, message);
                extra.into_iter().fold(error, |error, (key, value)| error.with_extension(key, value))
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
