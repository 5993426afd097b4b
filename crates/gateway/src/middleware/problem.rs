//! Errors produced below our handlers (actix's 405, extractor failures, CORS refusals) come with
//! plain or empty bodies; this turns every such 4xx/5xx into problem+json, keeping its headers.

use crate::error::{ApiError, PROBLEM_JSON};
use actix_web::ResponseError;
use actix_web::dev::ServiceResponse;
use actix_web::http::header;
use actix_web::middleware::{ErrorHandlerResponse, ErrorHandlers};

/// Marks a response whose error body speaks someone else's protocol (a payment provider's, the
/// answer a provider expects from us, or an H5 page for a person): it must reach the client byte
/// for byte.
#[derive(Clone, Copy)]
pub struct ForeignDialect;

pub fn every_error_as_problem<B: 'static>() -> ErrorHandlers<B> {
    ErrorHandlers::new().default_handler(to_problem)
}

fn to_problem<B>(response: ServiceResponse<B>) -> actix_web::Result<ErrorHandlerResponse<B>> {
    let already_problem = response
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|value| value.as_bytes().starts_with(PROBLEM_JSON.as_bytes()));
    if already_problem || response.response().extensions().get::<ForeignDialect>().is_some() {
        return Ok(ErrorHandlerResponse::Response(response.map_into_left_body()));
    }
    let (request, original) = response.into_parts();
    // actix-cors answers a browser origin it does not allow with a bare 400 before any handler.
    let refused_origin = original.status() == actix_web::http::StatusCode::BAD_REQUEST
        && request.headers().contains_key(header::ORIGIN)
        && original.headers().get(header::CONTENT_TYPE).is_none_or(|value| value.as_bytes().starts_with(b"text/plain"));
    let problem = if refused_origin {
        ApiError::bad_request(
            "cors_origin_refused",
            "This browser origin may not call the API; an operator can add it to `cors_allowed_origins`.",
        )
    } else {
        ApiError::from_status(original.status())
    };
    let mut replacement = problem.error_response();
    for (name, value) in original.headers() {
        // The original body is gone, so are its length and encoding.
        if name != header::CONTENT_TYPE && name != header::CONTENT_LENGTH && name != header::CONTENT_ENCODING {
            replacement.headers_mut().insert(name.clone(), value.clone());
        }
    }
    Ok(ErrorHandlerResponse::Response(ServiceResponse::new(request, replacement).map_into_right_body()))
}
