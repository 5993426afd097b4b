//! Authentication and authorization for handlers: the one guard every protected endpoint uses.
//!
//! `Auth` (an extractor) verifies the bearer access token and the session's revocation status and
//! yields the caller's [`Principal`]. Role and shop-membership checks live in the domain services,
//! which take the principal, so no handler can forget them.

use crate::Config;
use crate::error::ApiError;
use crate::state::AppState;
use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::{FromRequest, HttpRequest, web};
use bazaar_identity::{Device, IdentityError, Principal};
use futures_util::future::LocalBoxFuture;

/// The authenticated caller.
pub struct Auth(pub Principal);

impl FromRequest for Auth {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let state = req.app_data::<web::Data<AppState>>().cloned();
        let token = bearer_token(req);
        Box::pin(async move {
            let state = state.ok_or_else(|| ApiError::internal(&"application state missing"))?;
            let token = token.ok_or(IdentityError::Unauthenticated)?;
            Ok(Auth(state.identity.authenticate(&token).await?))
        })
    }
}

/// `Authorization: Bearer <token>`; the scheme is case-insensitive.
pub fn bearer_token(req: &HttpRequest) -> Option<String> {
    let value = req.headers().get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    (scheme.eq_ignore_ascii_case("bearer") && !token.trim().is_empty()).then(|| token.trim().to_string())
}

/// The client's IP as configured (peer address, or the forwarded one behind trusted proxies).
pub fn client_ip(req: &HttpRequest, config: &Config) -> Option<String> {
    crate::client_ip::client_ip(req, config.trust_forwarded_for, &config.trusted_proxy_nets())
}

/// What a login or refresh records about the device.
pub fn device(req: &HttpRequest, config: &Config) -> Device {
    Device {
        user_agent: req.headers().get(header::USER_AGENT).and_then(|v| v.to_str().ok()).map(str::to_string),
        ip: client_ip(req, config),
    }
}
